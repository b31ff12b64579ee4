"""Integrations with external systems, organised as Airflow organises its provider packages.

Each subpackage mirrors one ``apache-airflow-providers-*`` distribution (its hooks, operators
and sensors, with the same constructor arguments), so DAG files written for the provider run
unchanged through :mod:`airstream.compat`.
"""
