"""
### ML: train, validate, deploy

Every day this DAG trains a scikit-learn classifier on the breast cancer dataset that ships
with scikit-learn (no download), then

- **validate** compares the test accuracy with the `accuracy_threshold` param and branches;
- **deploy** stores the model (`model.joblib`) and its `metrics.json` as a new version
  `$AIRSTREAM_HOME/models/<model_name>/v<N>/` (written to a temporary folder, then renamed
  into place, so a version is complete or absent), and **publish_deployed** announces it on
  the topic `models.deployed`;
- **reject** keeps the current version and discards the candidate.

Trigger it with a stricter threshold to see the other branch:
`airstream dags test example_ml_train_deploy -c '{"accuracy_threshold": 0.999}'`.
scikit-learn is imported inside the tasks, so parsing this file stays fast.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airflow.models.param import Param
from airflow.providers.apache.kafka.operators.produce import ProduceToTopicOperator
from airflow.sdk import DAG, task

MODEL_FILE = "model.joblib"
METRICS_FILE = "metrics.json"
VERSION_NAME = re.compile(r"^v(\d+)$")


def models_folder(model_name: str) -> Path:
    """``$AIRSTREAM_HOME/models/<model_name>``."""
    from airstream.config import load_settings

    return load_settings().home / "models" / model_name


def next_version(folder: Path) -> int:
    """One more than the highest ``v<N>`` in ``folder`` (1 for the first)."""
    versions = [int(m.group(1)) for p in folder.glob("v*") if (m := VERSION_NAME.match(p.name))]
    return max(versions, default=0) + 1


def publish_version(staged: Path, folder: Path) -> tuple[int, Path]:
    """Rename a complete version folder to the next ``v<N>``; a racing deploy takes N+1."""
    while True:
        version = next_version(folder)
        target = folder / f"v{version}"
        try:
            # Atomic, and fails when another deploy filled ``v<N>`` first: then try N+1.
            staged.rename(target)
            return version, target
        except OSError:
            if not target.exists():
                raise


def produce_deployment(deployment: str) -> list[tuple[str, str]]:
    """The ``models.deployed`` record: key the model name, value the deployment as JSON."""
    event = json.loads(deployment)
    return [(event["model"], json.dumps(event))]


with DAG(
    "example_ml_train_deploy",
    description="Train a scikit-learn model, validate it, deploy a new version or reject it",
    schedule="@daily",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    default_args={"owner": "airstream"},
    params={
        "accuracy_threshold": Param(
            0.9, type="number", minimum=0, maximum=1, description="lowest test accuracy to deploy"
        ),
        "model_name": Param("breast_cancer_classifier", type="string", pattern=r"^[\w.-]+$"),
    },
    tags=["example", "ml"],
    doc_md=__doc__,
) as dag:

    @task
    def train(params: Any = None, run_id: Any = None) -> dict[str, Any]:
        """Fit a scaled logistic regression; keep the candidate in a staging folder."""
        import joblib
        from sklearn.datasets import load_breast_cancer
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score, f1_score
        from sklearn.model_selection import train_test_split
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        features, labels = load_breast_cancer(return_X_y=True)
        x_train, x_test, y_train, y_test = train_test_split(
            features, labels, test_size=0.25, random_state=42, stratify=labels
        )
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(x_train, y_train)
        predicted = model.predict(x_test)
        folder = models_folder(params["model_name"])
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".candidate-", dir=folder))
        joblib.dump(model, staging / MODEL_FILE)
        metrics = {
            "accuracy": float(accuracy_score(y_test, predicted)),
            "f1": float(f1_score(y_test, predicted)),
            "train_samples": len(x_train),
            "test_samples": len(x_test),
            "dataset": "sklearn.datasets.load_breast_cancer",
            "dag_run_id": run_id,
        }
        return {"staging": str(staging), "metrics": metrics}

    @task.branch
    def validate(candidate: dict[str, Any], params: Any = None) -> str:
        """``deploy`` when the accuracy reaches the threshold, else ``reject``."""
        accuracy = candidate["metrics"]["accuracy"]
        threshold = float(params["accuracy_threshold"])
        print(f"accuracy {accuracy:.4f}, threshold {threshold:.4f}")
        return "deploy" if accuracy >= threshold else "reject"

    @task
    def deploy(candidate: dict[str, Any], params: Any = None) -> dict[str, Any]:
        """Write metrics.json beside the model, then rename the folder to the next version."""
        staging = Path(candidate["staging"])
        folder = staging.parent
        metrics = {**candidate["metrics"], "deployed_at": datetime.now(UTC).isoformat()}
        with open(staging / METRICS_FILE, "w") as fh:
            json.dump(metrics, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        version, target = publish_version(staging, folder)
        print(f"deployed {params['model_name']} v{version} at {target}")
        return {"model": params["model_name"], "version": version, "path": str(target), **metrics}

    @task
    def reject(candidate: dict[str, Any], params: Any = None) -> None:
        """Discard the candidate; the deployed version stays."""
        shutil.rmtree(candidate["staging"], ignore_errors=True)
        print(
            f"rejected: accuracy {candidate['metrics']['accuracy']:.4f} is below "
            f"{params['accuracy_threshold']}"
        )

    publish_deployed = ProduceToTopicOperator(
        task_id="publish_deployed",
        topic="models.deployed",
        kafka_config_id="kafka_default",
        producer_function=produce_deployment,
        producer_function_kwargs={"deployment": "{{ ti.xcom_pull(task_ids='deploy') | tojson }}"},
    )

    candidate = train()
    deployed = deploy(candidate)
    validate(candidate) >> [deployed, reject(candidate)]
    deployed >> publish_deployed
