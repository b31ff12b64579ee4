"""airstream: Airflow-compatible workflows and a Kafka-compatible broker in one package.

Importing this package starts nothing and reads no configuration.
"""

__version__ = "0.1.0"
