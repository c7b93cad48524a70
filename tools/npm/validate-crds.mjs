// Validates custom resources against the schemas generated from their projects' published CRDs
// (the @kubernetes-models packages). Reads a JSON array of objects on stdin, prints one JSON
// result per object: {"index", "kind", "name", "errors"}. A kind this file does not know is an
// error, never a pass. Exit code: 0 when every object is valid, 1 otherwise.
const MODELS = {
  "cert-manager.io/v1": ["@kubernetes-models/cert-manager/cert-manager.io/v1", ["Certificate", "Issuer", "ClusterIssuer"]],
  "gateway.networking.k8s.io/v1": ["@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1", ["Gateway", "GatewayClass", "HTTPRoute", "GRPCRoute"]],
  "external-secrets.io/v1": ["@kubernetes-models/external-secrets/external-secrets.io/v1", ["ExternalSecret", "SecretStore", "ClusterSecretStore"]],
  "monitoring.coreos.com/v1": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1", ["ServiceMonitor", "PodMonitor", "PrometheusRule"]],
};

async function modelFor(apiVersion, kind) {
  const entry = MODELS[apiVersion];
  if (!entry || !entry[1].includes(kind)) return null;
  const module = await import(`${entry[0]}/${kind}`);
  return module[kind];
}

function describe(error) {
  if (Array.isArray(error.errors)) {
    return error.errors.map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword} ${JSON.stringify(e.params ?? {})}`);
  }
  return [String(error.message ?? error)];
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const objects = JSON.parse(Buffer.concat(chunks).toString("utf8"));
let failed = false;
for (const [index, object] of objects.entries()) {
  const name = object?.metadata?.name ?? "?";
  const Model = await modelFor(object.apiVersion, object.kind);
  let errors = [];
  if (Model === null) {
    errors = [`no published schema for ${object.apiVersion} ${object.kind}`];
  } else {
    try {
      new Model(object).validate();
    } catch (error) {
      errors = describe(error);
    }
  }
  failed ||= errors.length > 0;
  console.log(JSON.stringify({ index, kind: object.kind, name, errors }));
}
process.exit(failed ? 1 : 0);
