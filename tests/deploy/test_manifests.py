"""The Kubernetes manifests: every overlay renders, validates against a schema (strict for the
built-in kinds, the published CRD schemas for the add-ons, field rules for CloudNativePG) and
meets the policy. Each rule is also shown to catch the mistake it exists for."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.deploy.conftest import find, manifests

Objects = list[dict[str, Any]]
GATEWAY_OVERLAYS = ("staging", "production")


def mutated(objects: Objects, kind: str, name: str) -> tuple[Objects, dict[str, Any]]:
    """A deep copy of the objects and the one to break."""
    copied = copy.deepcopy(objects)
    return copied, find(copied, kind, name)


def shop_container(deployment: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return container


class TestRender:
    @pytest.mark.parametrize("overlay", manifests.OVERLAYS)
    def test_every_part_of_the_system_is_there(self, rendered: dict[str, Objects], overlay: str):
        kinds = {(o["kind"], o["metadata"]["name"]) for o in rendered[overlay]}
        expected = {
            ("Deployment", "web"),
            ("Deployment", "api"),
            ("Deployment", "worker"),
            ("Deployment", "hub"),
            ("Job", "migrate"),
            ("StatefulSet", "redis"),
            ("Cluster", "shop-db"),
            ("Pooler", "shop-db-pooler-rw"),
            ("Pooler", "shop-db-pooler-ro"),
            ("ScheduledBackup", "shop-db-nightly"),
            ("HorizontalPodAutoscaler", "web"),
            ("HorizontalPodAutoscaler", "api"),
            ("HorizontalPodAutoscaler", "hub"),
            ("NetworkPolicy", "default-deny"),
            ("ResourceQuota", "shopwright"),
            ("LimitRange", "shopwright"),
            ("ExternalSecret", "shop-secrets"),
            ("PodMonitor", "shop"),
            ("PrometheusRule", "shopwright"),
            ("Certificate", "shop-tls"),
        }
        assert expected <= kinds

    @pytest.mark.parametrize("overlay", GATEWAY_OVERLAYS)
    def test_gateway_overlays_route_through_the_gateway_api(
        self, rendered: dict[str, Objects], overlay: str
    ):
        kinds = {o["kind"] for o in rendered[overlay]}
        assert {"Gateway", "HTTPRoute"} <= kinds
        assert "Ingress" not in kinds

    def test_ingress_variant_replaces_gateway_and_routes(self, rendered: dict[str, Objects]):
        kinds = {o["kind"] for o in rendered["production-ingress"]}
        assert "Ingress" in kinds
        assert not {"Gateway", "HTTPRoute"} & kinds
        issuer = find(rendered["production-ingress"], "Issuer", "letsencrypt")
        assert issuer["spec"]["acme"]["solvers"] == [
            {"http01": {"ingress": {"ingressClassName": "nginx"}}}
        ]

    def test_each_overlay_has_its_own_namespace(self, rendered: dict[str, Objects]):
        namespaces = {
            overlay: {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"}
            for overlay, objects in rendered.items()
        }
        assert namespaces == {
            "staging": {"shopwright-staging"},
            "production": {"shopwright"},
            "production-ingress": {"shopwright"},
        }


class TestSchemas:
    @pytest.mark.parametrize("overlay", manifests.OVERLAYS)
    def test_overlay_validates(self, rendered: dict[str, Objects], overlay: str):
        assert manifests.schema_problems(rendered[overlay]) == []

    def test_slot_and_canary_variants_validate(self, rendered: dict[str, Objects]):
        objects = rendered["production"]
        green = manifests.for_slot(objects, "green")
        canary = manifests.canary_deployments(objects)
        assert manifests.schema_problems(green) == []
        assert manifests.schema_problems(canary) == []

    def test_unknown_field_of_a_builtin_kind_fails(self, rendered: dict[str, Objects]):
        objects, api = mutated(rendered["production"], "Deployment", "api")
        shop_container(api)["readinessProbes"] = {}
        problems = manifests.schema_problems(objects)
        assert any("Deployment/api" in p and "readinessProbes" in p for p in problems)

    def test_wrong_type_in_a_published_crd_fails(self, rendered: dict[str, Objects]):
        objects, route = mutated(rendered["production"], "HTTPRoute", "shop")
        route["spec"]["rules"][0]["backendRefs"][0]["port"] = "http"
        problems = manifests.schema_problems(objects)
        assert any(p.startswith("HTTPRoute/shop:") and "integer" in p for p in problems)

    def test_kind_without_a_schema_fails(self, rendered: dict[str, Objects]):
        unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
        problems = manifests.schema_problems([*rendered["production"], unknown])
        assert problems == ["Widget/w: no schema for example.com/v1 Widget"]

    def test_unknown_cloudnativepg_field_fails(self, rendered: dict[str, Objects]):
        objects, cluster = mutated(rendered["production"], "Cluster", "shop-db")
        cluster["spec"]["instance"] = 3
        assert manifests.cnpg_problems(objects) == [
            "Cluster/shop-db: unknown spec fields ['instance']"
        ]

    def test_cloudnativepg_references_are_checked(self, rendered: dict[str, Objects]):
        objects, pooler = mutated(rendered["production"], "Pooler", "shop-db-pooler-rw")
        pooler["spec"]["cluster"]["name"] = "other-db"
        pooler["spec"]["pgbouncer"]["poolMode"] = "statement-ish"
        assert manifests.cnpg_problems(objects) == [
            "Pooler/shop-db-pooler-rw: spec.cluster.name 'other-db' is not a Cluster here",
            "Pooler/shop-db-pooler-rw: pgbouncer.poolMode must be session or transaction",
        ]


class TestPolicy:
    @pytest.mark.parametrize("overlay", manifests.OVERLAYS)
    def test_overlay_meets_the_policy(self, rendered: dict[str, Objects], overlay: str):
        assert manifests.policy_problems(rendered[overlay]) == []

    def test_green_slot_meets_the_policy(self, rendered: dict[str, Objects]):
        assert manifests.policy_problems(manifests.for_slot(rendered["production"], "green")) == []

    def test_writable_root_filesystem_is_refused(self, rendered: dict[str, Objects]):
        objects, worker = mutated(rendered["production"], "Deployment", "worker")
        shop_container(worker)["securityContext"]["readOnlyRootFilesystem"] = False
        assert manifests.security_problems(objects) == [
            "Deployment/worker container worker: readOnlyRootFilesystem must be true"
        ]

    def test_root_user_is_refused(self, rendered: dict[str, Objects]):
        objects, job = mutated(rendered["production"], "Job", "migrate")
        del job["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
        assert manifests.security_problems(objects) == [
            "Job/migrate: pod securityContext.runAsNonRoot must be true"
        ]

    def test_missing_probe_and_limits_are_refused(self, rendered: dict[str, Objects]):
        objects, web = mutated(rendered["production"], "Deployment", "web")
        del shop_container(web)["livenessProbe"]
        del shop_container(web)["resources"]["limits"]["memory"]
        assert manifests.probe_and_resource_problems(objects) == [
            "Deployment/web container shop: resources.limits.memory is missing",
            "Deployment/web container shop: livenessProbe is missing",
        ]

    def test_pods_without_a_network_policy_are_refused(self, rendered: dict[str, Objects]):
        objects = [
            o
            for o in rendered["production"]
            if o["metadata"]["name"] != "redis" or o["kind"] != "NetworkPolicy"
        ]
        assert manifests.network_policy_problems(objects) == [
            "StatefulSet/redis: no NetworkPolicy selects its pods"
        ]

    def test_replicated_workload_without_a_budget_is_refused(self, rendered: dict[str, Objects]):
        objects = [
            o
            for o in rendered["production"]
            if not (o["kind"] == "PodDisruptionBudget" and o["metadata"]["name"] == "api")
        ]
        assert manifests.disruption_budget_problems(objects) == [
            "Deployment/api: replicated but no PodDisruptionBudget selects it"
        ]

    def test_memory_based_autoscaling_is_refused(self, rendered: dict[str, Objects]):
        objects, hpa = mutated(rendered["production"], "HorizontalPodAutoscaler", "web")
        hpa["spec"]["metrics"][0]["resource"]["name"] = "memory"
        assert manifests.autoscaler_problems(objects) == [
            "HorizontalPodAutoscaler/web: memory-based scaling (see docs/deployment.md)"
        ]

    def test_third_party_image_by_tag_is_refused(self, rendered: dict[str, Objects]):
        objects, redis = mutated(rendered["production"], "StatefulSet", "redis")
        shop_container(redis)["image"] = "redis:7.4-alpine"
        assert manifests.image_problems(objects) == [
            "StatefulSet/redis: third-party image 'redis:7.4-alpine' not pinned by digest"
        ]

    def test_environment_variable_that_is_no_setting_is_refused(self, rendered: dict[str, Objects]):
        objects, config = mutated(rendered["production"], "ConfigMap", "shop-config")
        config["data"]["SHOP_DATABASE_POOLSIZE"] = "10"
        config["data"]["DATABASE_URL"] = "postgresql://x"
        problems = manifests.environment_problems(objects)
        assert len(problems) == 2
        assert problems[0].startswith("DATABASE_URL (")
        assert "not a setting of the shop or the hub" in problems[0]
        assert problems[1].startswith("SHOP_DATABASE_POOLSIZE (")
        assert "no such setting" in problems[1]

    def test_every_variable_the_manifests_set_is_a_setting(self, rendered: dict[str, Objects]):
        variables = set(manifests.environment_variables(rendered["production"]))
        known = manifests.setting_names()
        shop_settings = known["SHOP_"]
        assert shop_settings is not None
        shop_variables = {v for v in variables if v.startswith("SHOP_")}
        assert shop_variables <= shop_settings
        # What production depends on is really set.
        assert {
            "SHOP_ENV",
            "SHOP_SECRET_KEY",
            "SHOP_DATABASE_URL",
            "SHOP_DATABASE_READ_URL",
            "SHOP_DATABASE_STATEMENT_CACHE_SIZE",
            "SHOP_REDIS_URL",
            "SHOP_PAYMENT_PROVIDERS",
            "SHOP_METRICS_PORT",
        } <= shop_variables
        hub_settings = known["TESTHUB_"]
        if hub_settings is not None:
            assert {v for v in variables if v.startswith("TESTHUB_")} <= hub_settings

    def test_unknown_command_option_and_probe_path_are_refused(self, rendered: dict[str, Objects]):
        objects, api = mutated(rendered["production"], "Deployment", "api")
        shop_container(api)["args"] = ["run", "--role", "api", "--threads", "4"]
        shop_container(api)["readinessProbe"]["httpGet"]["path"] = "/health/ready"
        assert manifests.command_problems(objects) == [
            "Deployment/api/shop: run has no option --threads",
            "Deployment/api/shop: readinessProbe path /health/ready is not a shop route",
        ]

    def test_route_to_a_missing_service_is_refused(self, rendered: dict[str, Objects]):
        objects, route = mutated(rendered["production"], "HTTPRoute", "shop")
        route["spec"]["rules"][1]["backendRefs"][0]["name"] = "storefront"
        assert manifests.reference_problems(objects) == [
            "HTTPRoute/shop: backend Service 'storefront' does not exist"
        ]


class TestProductionShape:
    """What issue 8 asks of production, read from the rendered manifests."""

    def test_autoscaling_bounds_follow_the_seed_guide(self, rendered: dict[str, Objects]):
        objects = rendered["production"]
        bounds = {
            name: (
                find(objects, "HorizontalPodAutoscaler", name)["spec"]["minReplicas"],
                find(objects, "HorizontalPodAutoscaler", name)["spec"]["maxReplicas"],
                find(objects, "HorizontalPodAutoscaler", name)["spec"]["metrics"],
            )
            for name in ("api", "web", "hub")
        }
        cpu_70 = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 70},
                },
            }
        ]
        assert bounds == {"api": (3, 10, cpu_70), "web": (2, 8, cpu_70), "hub": (1, 2, cpu_70)}

    def test_hub_keeps_mcp_sessions_on_one_pod(self, rendered: dict[str, Objects]):
        objects = rendered["production"]
        assert find(objects, "Service", "hub")["spec"]["sessionAffinity"] == "ClientIP"
        route = find(objects, "HTTPRoute", "hub")
        assert route["spec"]["rules"][0]["sessionPersistence"]["type"] == "Cookie"
        assert "TESTHUB_DATABASE_URL" in manifests.environment_variables(objects)

    def test_postgres_has_a_primary_two_replicas_and_backups(self, rendered: dict[str, Objects]):
        objects = rendered["production"]
        cluster = find(objects, "Cluster", "shop-db")["spec"]
        assert cluster["instances"] == 3
        assert cluster["backup"]["barmanObjectStore"]["wal"]["compression"] == "gzip"
        backup = find(objects, "ScheduledBackup", "shop-db-nightly")["spec"]
        assert backup["cluster"] == {"name": "shop-db"}
        poolers = [o["spec"] for o in objects if o["kind"] == "Pooler"]
        assert {(p["type"], p["pgbouncer"]["poolMode"]) for p in poolers} == {
            ("rw", "transaction"),
            ("ro", "transaction"),
        }

    def test_pgbouncer_transaction_mode_turns_the_statement_cache_off(
        self, rendered: dict[str, Objects]
    ):
        config = find(rendered["production"], "ConfigMap", "shop-config")["data"]
        assert config["SHOP_DATABASE_STATEMENT_CACHE_SIZE"] == "0"
        template = find(rendered["production"], "ExternalSecret", "shop-secrets")["spec"]
        assert "shop-db-pooler-rw" in template["target"]["template"]["data"]["SHOP_DATABASE_URL"]

    def test_https_responses_carry_hsts(self, rendered: dict[str, Objects]):
        route = find(rendered["production"], "HTTPRoute", "shop")
        for rule in route["spec"]["rules"]:
            headers = rule["filters"][0]["responseHeaderModifier"]["set"]
            assert headers[0]["name"] == "Strict-Transport-Security"
            assert headers[0]["value"].startswith("max-age=63072000")

    def test_staging_points_at_its_own_hosts_and_secrets(self, rendered: dict[str, Objects]):
        objects = rendered["staging"]
        assert find(objects, "HTTPRoute", "shop")["spec"]["hostnames"] == [
            "staging.shop.example.com"
        ]
        stores = {
            o["spec"]["secretStoreRef"]["name"] for o in objects if o["kind"] == "ExternalSecret"
        }
        assert stores == {"shopwright-staging"}


class TestSlots:
    def test_green_slot_renames_deployments_and_autoscalers(self, rendered: dict[str, Objects]):
        green = manifests.for_slot(rendered["production"], "green", service_slot="blue")
        api = find(green, "Deployment", "api-green")
        assert api["spec"]["selector"]["matchLabels"]["shopwright.dev/slot"] == "green"
        assert api["spec"]["template"]["metadata"]["labels"]["shopwright.dev/slot"] == "green"
        assert (
            find(green, "HorizontalPodAutoscaler", "api-green")["spec"]["scaleTargetRef"]["name"]
            == "api-green"
        )
        # Traffic stays on blue until deploy-production.sh switches the Services.
        assert find(green, "Service", "api")["spec"]["selector"]["shopwright.dev/slot"] == "blue"
        assert find(green, "Deployment", "worker")["metadata"]["name"] == "worker"

    def test_canary_deployments_are_selected_by_the_canary_services(
        self, rendered: dict[str, Objects]
    ):
        objects = rendered["production"]
        canaries = manifests.canary_deployments(objects, replicas=2)
        assert sorted(c["metadata"]["name"] for c in canaries) == ["api-canary", "web-canary"]
        for canary in canaries:
            service = find(objects, "Service", canary["metadata"]["name"])
            labels = canary["spec"]["template"]["metadata"]["labels"]
            assert manifests.selector_matches({"matchLabels": service["spec"]["selector"]}, labels)
            assert canary["spec"]["replicas"] == 2

    def test_images_are_replaced_for_our_containers_only(self, rendered: dict[str, Objects]):
        objects = copy.deepcopy(rendered["production"])
        shop = "ghcr.io/shopwright/shopwright@sha256:" + "a" * 64
        manifests.set_images(objects, shop=shop, hub=None)
        assert shop_container(find(objects, "Deployment", "api"))["image"] == shop
        assert shop_container(find(objects, "Deployment", "hub"))["image"].startswith(
            "ghcr.io/shopwright/shopwright-hub:"
        )
        assert "@sha256:" in shop_container(find(objects, "StatefulSet", "redis"))["image"]

    def test_parts_cover_everything_in_deploy_order(self, rendered: dict[str, Objects]):
        objects = rendered["production"]
        parts = [manifests.select_part(objects, part) for part in ("infra", "migrate", "apps")]
        assert sum(len(part) for part in parts) == len(objects)
        assert [o["kind"] for o in parts[1]] == ["Job"]


class TestPrometheusRule:
    def test_committed_rule_matches_the_monitoring_rule_files(self):
        committed = manifests.PROMETHEUS_RULE_FILE.read_text()
        assert committed == manifests.prometheus_rule_text(), (
            "run: uv run --frozen python deploy/scripts/manifests.py prometheus-rule --write"
        )
