"""Executors: run task attempts handed over by the scheduler, each in a process of its own."""
