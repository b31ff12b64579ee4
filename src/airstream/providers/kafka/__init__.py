"""Kafka hooks, operators and sensors: ``apache-airflow-providers-apache-kafka`` for airstream.

- :mod:`.connection`: the librdkafka config of a ``kafka`` connection, and ``kafka_default``.
- :mod:`.hooks`: producer, consumer and admin clients made from a connection.
- :mod:`.operators`: ``ProduceToTopicOperator`` and ``ConsumeFromTopicOperator``.
- :mod:`.sensors`: ``AwaitMessageSensor`` and ``AwaitMessageTriggerFunctionSensor``.

They work against the built-in broker and against any Kafka-compatible cluster.
"""
