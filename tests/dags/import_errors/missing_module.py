import not_a_real_module_anywhere  # noqa: F401
from airflow import DAG

dag = DAG("missing_module")
