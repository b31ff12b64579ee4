"""The scheduler: creates DAG runs, decides which task instances are ready, hands them over."""
