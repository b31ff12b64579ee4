"""Templates: files from template_searchpath, macros, user macros, var, conn, native objects."""

from datetime import datetime, timedelta
from pathlib import Path

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def check_native(value):
    print(f"NATIVE type={type(value).__name__} value={value}")
    assert isinstance(value, list)


with DAG(
    "templating",
    schedule=timedelta(days=1),
    start_date=datetime(2024, 1, 1),
    template_searchpath=[str(Path(__file__).parent / "templates")],
    user_defined_macros={"project": "airstream", "shout": lambda s: s.upper()},
):
    BashOperator(task_id="script", bash_command="script.sh")
    BashOperator(
        task_id="context",
        bash_command=(
            "echo 'ds={{ ds }} nodash={{ ds_nodash }} ts={{ ts }} "
            "start={{ data_interval_start }} end={{ data_interval_end }} "
            "run={{ run_id }} task={{ task.task_id }} ti={{ ti.task_id }} "
            "week={{ macros.ds_add(ds, 7) }} "
            "fmt={{ macros.ds_format(ds, '%Y-%m-%d', '%d/%m/%Y') }} "
            "proj={{ shout(project) }} var={{ var.value.greeting }} "
            "json={{ var.json.settings.level }} host={{ conn.templ_db.host }} "
            "prev={{ prev_data_interval_start_success }} filter={{ logical_date | ds_nodash }}'"
        ),
    )

with DAG(
    "templating_native",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    render_template_as_native_obj=True,
):
    PythonOperator(
        task_id="native",
        python_callable=check_native,
        op_args=["{{ [1, 2, 3] }}"],
    )
