"""Sensors: tasks that wait for a condition, poking in place or rescheduling themselves."""
