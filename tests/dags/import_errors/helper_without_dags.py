# A helper module: no DAG in it, and not mentioning the magic words, so it is not parsed.
VALUE = 1
