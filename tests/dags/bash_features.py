"""BashOperator: env, append_env, cwd, skip_on_exit_code, failure; @task.bash."""

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, task

with DAG("bash_features", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(
        task_id="env_only",
        bash_command='echo "ENV_ONLY=${MY_VAR}-${HOME:-nohome}"',
        env={"MY_VAR": "mine"},
    )
    BashOperator(
        task_id="env_appended",
        bash_command='echo "APPENDED=${MY_VAR}-${AIRSTREAM_TEST_MARKER}"',
        env={"MY_VAR": "mine"},
        append_env=True,
    )
    BashOperator(task_id="in_cwd", bash_command="pwd", cwd="/tmp")
    BashOperator(task_id="skip_99", bash_command="exit 99")
    BashOperator(task_id="skip_custom", bash_command="exit 3", skip_on_exit_code=[3])
    BashOperator(task_id="fails", bash_command="echo failing; exit 2")

    @task.bash
    def from_function(name, ds=None):
        return f"echo 'TASK_BASH {name} {ds} {{{{ run_id }}}}'"

    from_function("decorated")
