"""The lesson's manifests: the names and numbers the lesson relies on, and the image set from the settings."""

from rolloutlab.lab.manifests import lesson_objects
from rolloutlab.settings import LabSettings


def test_lesson_names_and_numbers():
    """Deployment first-app, container first-app-k8s, 4 replicas, readiness on /healthz (3 s to answer), Service
    first-app."""
    objects = {o["kind"]: o for o in lesson_objects(settings=LabSettings.from_env({}), tag="latest")}
    deployment = objects["Deployment"]
    assert deployment["metadata"]["name"] == "first-app"
    assert deployment["spec"]["replicas"] == 4
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["name"] == "first-app-k8s"
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["timeoutSeconds"] == 3  # a loaded machine's slow answer is not unready
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": "25%", "maxUnavailable": "25%"}
    assert objects["Service"]["metadata"]["name"] == "first-app"
    assert objects["Service"]["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_image_follows_registry_and_tag():
    """The container's image is the lab registry's first-app-k8s at the requested tag."""
    settings = LabSettings.from_env({"LAB_REGISTRY": "docker.io/student"})
    deployment = next(o for o in lesson_objects(settings=settings, tag="1.0.0") if o["kind"] == "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "docker.io/student/first-app-k8s:1.0.0"
