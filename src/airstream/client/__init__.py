"""Client-side Kafka tools (topics, produce, consume, groups) built on confluent-kafka.

Everything here talks to a broker over the Kafka protocol only, so it works the same against
airstream's own broker and a real Kafka cluster. The ``airstream.cli`` modules parse
arguments and call one function from here.
"""
