echo "script for {{ ds_nodash }} in {{ dag.dag_id }}"
