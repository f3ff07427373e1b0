"""What tests/deploy/manifests_test.py checks: readers of deploy/'s files (the Dockerfile, the
Compose stack, the nginx configs, the Kubernetes manifests) and checkers that return the
problems they find, as plain functions the test drives on the real files and on broken copies.
The routes they compare against come from the running binary; the setting names from
config/loader.cpp; the package lists from deploy/local/lib.sh.
"""

import json
import os
import re
import subprocess

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
K8S = os.path.join(ROOT, "deploy", "k8s")
COMPOSE = os.path.join(ROOT, "deploy", "compose")


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def port_of(listen):
    return int(listen.rsplit(":", 1)[1])


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bash_array(name):
    """A package list of deploy/local/lib.sh, as bash expands it."""
    out = subprocess.run(["bash", "-c", f'source deploy/local/lib.sh && printf "%s\\n" "${{{name}[@]}}"'],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return out.split()


# --- facts from the sources -------------------------------------------------------------------

def setting_names():
    """(every variable config/loader.cpp reads, the ones also read as <NAME>_FILE)."""
    src = read("config", "loader.cpp")
    names = set(re.findall(r'"([A-Z][A-Z0-9_]{2,})"', src))
    secrets = set(re.findall(r'get_secret\("([A-Z][A-Z0-9_]+)"\)', src))
    assert "GATEHOUSE_LISTEN" in names and "DATABASE_URL" in secrets, "loader.cpp changed shape"
    return names, secrets


def unknown_settings(env_names):
    names, secrets = setting_names()
    bad = []
    for n in env_names:
        if n in names or (n.endswith("_FILE") and n[:-5] in secrets):
            continue
        bad.append(n)
    return sorted(bad)


# --- the Dockerfile ---------------------------------------------------------------------------

def parse_dockerfile(text):
    """Instructions of the last stage (the runtime image) plus every FROM, continuations joined."""
    lines, cur = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not cur and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        cur += (" " if cur else "") + line.rstrip("\\").strip()
        if not line.endswith("\\"):
            lines.append(cur)
            cur = ""
    froms = [l for l in lines if l.upper().startswith("FROM ")]
    last = max(i for i, l in enumerate(lines) if l.upper().startswith("FROM "))
    stage = {"env": {}, "expose": [], "user": None, "healthcheck": None, "volume": [], "run": [],
             "froms": froms, "all": lines}
    for l in lines[last:]:
        word, _, rest = l.partition(" ")
        word = word.upper()
        if word == "ENV":
            for k, v in re.findall(r'([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)', rest):
                stage["env"][k] = v.strip('"')
        elif word == "EXPOSE":
            stage["expose"] += [int(p.split("/")[0]) for p in rest.split()]
        elif word == "USER":
            stage["user"] = rest.strip()
        elif word == "HEALTHCHECK":
            stage["healthcheck"] = rest
        elif word == "VOLUME":
            stage["volume"] += json.loads(rest) if rest.startswith("[") else rest.split()
        elif word == "RUN":
            stage["run"].append(rest)
    return stage


def health_url(command, env):
    """(port, path) of the http://127.0.0.1 URL a healthcheck command fetches."""
    text = command if isinstance(command, str) else " ".join(command)
    m = re.search(r'http://127\.0\.0\.1:([^/\s"]+)(/[^\s"\\]*)', text)
    if not m:
        return None, None
    port = m.group(1)
    if port == "${GATEHOUSE_LISTEN##*:}":
        port = port_of(env["GATEHOUSE_LISTEN"])
    return int(port), m.group(2)


def check_dockerfile(df, routes, runtime_packages):
    p = []
    if not any("${BASE_IMAGE}" in f for f in df["froms"]) or len(df["froms"]) < 2:
        p.append("Dockerfile: two stages, both FROM ${BASE_IMAGE}")
    if not any(l.startswith("ARG BASE_IMAGE=debian:bookworm") for l in df["all"]):
        p.append("Dockerfile: BASE_IMAGE defaults to a Debian 12 image")
    if not any('"${GH_BUILD_PACKAGES[@]}"' in l for l in df["all"]):
        p.append("Dockerfile: the build stage installs GH_BUILD_PACKAGES")
    if not any('"${GH_RUNTIME_PACKAGES[@]}"' in r for r in df["run"]):
        p.append("Dockerfile: the runtime stage installs GH_RUNTIME_PACKAGES")
    if any("-dev" in r for r in df["run"]):
        p.append("Dockerfile: a -dev package in the runtime stage")
    user = (df["user"] or "0").split(":")[0]
    if not user.isdigit() or int(user) == 0:
        p.append(f"Dockerfile: USER must be a numeric non-root uid, not {df['user']!r}")
    listen = df["env"].get("GATEHOUSE_LISTEN")
    if not listen:
        return p + ["Dockerfile: no GATEHOUSE_LISTEN"]
    if df["expose"] != [port_of(listen)]:
        p.append(f"Dockerfile: EXPOSE {df['expose']} is not GATEHOUSE_LISTEN's port")
    if not df["healthcheck"]:
        return p + ["Dockerfile: no HEALTHCHECK"]
    port, path = health_url(df["healthcheck"], df["env"])
    if port != port_of(listen) or path not in routes:
        p.append(f"Dockerfile: HEALTHCHECK fetches :{port}{path}, not a route on {listen}")
    data_dir = df["env"].get("GATEHOUSE_DATA_DIR")
    if data_dir not in df["volume"]:
        p.append("Dockerfile: GATEHOUSE_DATA_DIR must be the declared VOLUME")
    p += [f"Dockerfile ENV: {n} is no setting" for n in unknown_settings(df["env"])]
    missing = sorted(set(runtime_packages) - set(bash_array("GH_RUNTIME_PACKAGES")))
    p += [f"lib.sh GH_RUNTIME_PACKAGES lacks {m} (the binary loads a library of it)" for m in missing]
    return p


def runtime_packages(binary):
    """The Debian packages holding the libraries `binary` names in its ELF header."""
    needed = re.findall(r"\(NEEDED\).*\[(.+)\]",
                        subprocess.run(["readelf", "-d", binary], check=True, capture_output=True,
                                       text=True).stdout)
    ldd = subprocess.run(["ldd", binary], check=True, capture_output=True, text=True).stdout
    where = dict(re.findall(r"^\s*(\S+) => (\S+)", ldd, re.M))
    pkgs = set()
    # The sanitizer builds' runtimes are no part of the Release image.
    for lib in (n for n in needed if not re.match(r"lib[atlu]san\.so", n)):
        path = where.get(lib)
        assert path and path != "not", f"{lib} is not found by ldd"
        for candidate in (os.path.realpath(path), path):
            r = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if r.returncode == 0:
                pkgs.add(r.stdout.split(":")[0])
                break
        else:
            raise AssertionError(f"no Debian package holds {path}")
    return sorted(pkgs)


# --- Kubernetes ---------------------------------------------------------------------------------

def load_k8s():
    docs = {}
    for name in os.listdir(K8S):
        if name.endswith(".yaml") and name != "kustomization.yaml":
            with open(os.path.join(K8S, name), encoding="utf-8") as f:
                for doc in yaml.safe_load_all(f):
                    docs[doc["kind"]] = doc
    with open(os.path.join(K8S, "kustomization.yaml"), encoding="utf-8") as f:
        docs["kustomization"] = yaml.safe_load(f)
    return docs


def container_of(deployment):
    return deployment["spec"]["template"]["spec"]["containers"][0]


def check_k8s(docs, routes):
    p = []
    dep, cm = docs["Deployment"], docs["ConfigMap"]
    pod = dep["spec"]["template"]["spec"]
    c = container_of(dep)
    if not c.get("image"):
        p.append("Deployment: no image")
    listen = cm["data"].get("GATEHOUSE_LISTEN", "")
    ports = {pt["name"]: pt["containerPort"] for pt in c.get("ports", [])}
    if not listen or ports.get("http") != port_of(listen):
        p.append(f"Deployment: containerPort http {ports.get('http')} is not GATEHOUSE_LISTEN {listen!r}")
    for probe, want in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"),
                        ("startupProbe", None)):
        get = (c.get(probe) or {}).get("httpGet")
        if not get:
            p.append(f"Deployment: no {probe} httpGet")
            continue
        if get["path"] not in routes:
            p.append(f"Deployment: {probe} path {get['path']} is not a route the binary serves")
        if want and get["path"] != want:
            p.append(f"Deployment: {probe} should ask {want}, not {get['path']}")
        if ports.get(get["port"], get["port"]) != port_of(listen or ":0"):
            p.append(f"Deployment: {probe} port {get['port']} is not the listening port")
    res = c.get("resources", {})
    for kind in ("requests", "limits"):
        for what in ("cpu", "memory"):
            if what not in res.get(kind, {}):
                p.append(f"Deployment: resources.{kind}.{what} missing")
    sc, psc = c.get("securityContext", {}), pod.get("securityContext", {})
    wanted = {"runAsNonRoot": True, "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False}
    for k, v in wanted.items():
        if sc.get(k) != v:
            p.append(f"Deployment: container securityContext.{k} must be {v}")
    if sc.get("capabilities", {}).get("drop") != ["ALL"]:
        p.append("Deployment: capabilities must drop ALL")
    for ctx in (sc, psc):
        if ctx.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            p.append("Deployment: seccompProfile RuntimeDefault (pod and container)")
    if not psc.get("runAsNonRoot") or not psc.get("runAsUser"):
        p.append("Deployment: the pod must run as a non-root uid")
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    for path in ("/tmp", cm["data"].get("GATEHOUSE_DATA_DIR")):
        if path not in mounts or mounts[path] not in vols:
            p.append(f"Deployment: {path} must be a mounted volume (read-only root)")
    # Environment: every name a setting; every secret file a key of the Secret example.
    env = [e["name"] for e in c.get("env", [])] + list(cm["data"])
    p += [f"k8s: {n} is no setting" for n in unknown_settings(env)]
    secret = docs["Secret"]
    keys = set(secret.get("stringData", {}))
    secret_mount = next((m for m, n in mounts.items() if vols.get(n, {}).get("secret")), None)
    for e in c.get("env", []):
        if e["name"].endswith("_FILE"):
            if not secret_mount or os.path.dirname(e["value"]) != secret_mount or \
                    os.path.basename(e["value"]) not in keys:
                p.append(f"k8s: {e['name']} names no key of the Secret's mount")
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref and (ref["name"] != secret["metadata"]["name"] or ref["key"] not in keys):
            p.append(f"k8s: {e['name']} refers to no key of the Secret example")
    for k, v in secret.get("stringData", {}).items():
        if "CHANGE-ME" not in v:
            p.append(f"Secret example: {k} is not marked as a placeholder (CHANGE-ME)")
    # The rest: selectors, targets, network rules, the kustomization.
    labels = dep["spec"]["template"]["metadata"]["labels"]
    for kind in ("Service", "PodDisruptionBudget", "NetworkPolicy"):
        d = docs.get(kind)
        sel = (d or {}).get("spec", {}).get("selector") or {}
        sel = sel.get("matchLabels", sel) if kind != "NetworkPolicy" else d["spec"]["podSelector"]["matchLabels"]
        if not d or any(labels.get(k) != v for k, v in sel.items()) or not sel:
            p.append(f"{kind}: does not select the Deployment's pods")
    svc_port = docs["Service"]["spec"]["ports"][0]
    if ports.get(svc_port["targetPort"], svc_port["targetPort"]) != ports.get("http"):
        p.append("Service: targetPort is not the HTTP port")
    hpa = docs["HorizontalPodAutoscaler"]["spec"]
    if hpa["scaleTargetRef"]["name"] != dep["metadata"]["name"] or \
            hpa["minReplicas"] <= docs["PodDisruptionBudget"]["spec"].get("minAvailable", 0):
        p.append("HPA: must target the Deployment and keep more replicas than the PDB's minAvailable")
    np = docs["NetworkPolicy"]["spec"]
    in_ports = [pt["port"] for rule in np.get("ingress", []) for pt in rule.get("ports", [])]
    if not in_ports or any(ports.get(x, x) != ports.get("http") for x in in_ports):
        p.append(f"NetworkPolicy: ingress must allow only the HTTP port, not {in_ports}")
    out_ports = {pt["port"] for rule in np.get("egress", []) for pt in rule.get("ports", [])}
    for need, what in ((53, "DNS"), (5432, "PostgreSQL"), (6379, "Redis"), (4222, "NATS")):
        if need not in out_ports:
            p.append(f"NetworkPolicy: no egress to {what} ({need})")
    listed = set(docs["kustomization"].get("resources", []))
    files = {f for f in os.listdir(K8S) if f.endswith(".yaml") and f != "kustomization.yaml"
             and ".example." not in f}
    if listed != files:
        p.append(f"kustomization: resources {sorted(listed)} are not the manifests {sorted(files)}")
    return p


# --- Compose and nginx --------------------------------------------------------------------------

def env_example():
    vals = {}
    for line in read("deploy", "compose", ".env.example").splitlines():
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            vals[k] = v.strip('"')
    return vals


def interpolate(value, values):
    """Compose's ${VAR}, ${VAR:-default} with the values of .env.example."""
    def sub(m):
        name, default = m.group(1), m.group(3) or ""
        return values.get(name) or default
    return re.sub(r"\$\{([A-Z_][A-Z0-9_]*)(:?-([^}]*))?\}", sub, str(value))


def gatehouse_services(compose):
    return {n: s for n, s in compose["services"].items() if n.startswith("gatehouse")}


def check_compose(compose, df, routes, nginx_conf):
    p = []
    values = env_example()
    replicas = gatehouse_services(compose)
    if len(replicas) < 2:
        p.append("compose: at least two Gatehouse replicas")
    for need in ("nginx", "postgres", "redis", "nats"):
        if need not in compose["services"]:
            p.append(f"compose: no {need} service")
    if "-js" not in " ".join(compose["services"].get("nats", {}).get("command", [])) and \
            "jetstream" not in read("deploy", "compose", "make-secrets.sh"):
        p.append("compose: NATS without JetStream")
    declared = compose.get("secrets", {})
    secret_settings = setting_names()[1]
    df_port, df_path = health_url(df["healthcheck"] or "", df["env"])
    for name, svc in replicas.items():
        env = {k: interpolate(v, values) for k, v in svc.get("environment", {}).items()}
        p += [f"compose {name}: {n} is no setting" for n in unknown_settings(env)]
        listen = env.get("GATEHOUSE_LISTEN", "")
        if not listen or port_of(listen) != df_port:
            p.append(f"compose {name}: GATEHOUSE_LISTEN {listen!r} is not the image's port {df_port}")
        if [int(x) for x in svc.get("expose", [])] != [df_port]:
            p.append(f"compose {name}: expose is not the image's port")
        port, path = health_url(svc.get("healthcheck", {}).get("test", []), env)
        if (port, path) != (df_port, df_path) or path not in routes:
            p.append(f"compose {name}: healthcheck :{port}{path} is not the image's :{df_port}{df_path}")
        if not svc.get("read_only") or "ALL" not in svc.get("cap_drop", []):
            p.append(f"compose {name}: read_only and cap_drop ALL")
        if str(svc.get("user", df["user"])).split(":")[0] != df["user"].split(":")[0]:
            p.append(f"compose {name}: user differs from the image's")
        if not any(str(t).startswith("/tmp") for t in svc.get("tmpfs", [])):
            p.append(f"compose {name}: /tmp must be a tmpfs (read-only root)")
        targets = [str(v).split(":")[1] for v in svc.get("volumes", [])]
        if env.get("GATEHOUSE_DATA_DIR") not in targets:
            p.append(f"compose {name}: GATEHOUSE_DATA_DIR is not a volume")
        mine = set(svc.get("secrets", []))
        for k, v in env.items():
            if k.endswith("_FILE"):
                if not v.startswith("/run/secrets/") or os.path.basename(v) not in mine:
                    p.append(f"compose {name}: {k} is no secret of the service")
            elif k in secret_settings:
                p.append(f"compose {name}: the secret {k} is set directly; use {k}_FILE")
        p += [f"compose {name}: secret {s} is not declared" for s in mine - set(declared)]
    upstream = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", nginx_conf, re.M)
    if sorted(h for h, _ in upstream) != sorted(replicas) or any(int(x) != df_port for _, x in upstream):
        p.append(f"compose nginx: upstream {upstream} is not the replicas on :{df_port}")
    if "$http_upgrade" not in nginx_conf or "proxy_http_version 1.1" not in nginx_conf:
        p.append("compose nginx: no WebSocket upgrade")
    return p


def check_local_nginx(conf, replicas):
    p = []
    servers = re.findall(r"^\s*server\s+127\.0\.0\.1:(\d+)", conf, re.M)
    if len(servers) != replicas or len(set(servers)) != replicas:
        p.append(f"local nginx: {len(servers)} upstream servers, want {replicas}")
    if "$http_upgrade" not in conf or "proxy_http_version 1.1" not in conf:
        p.append("local nginx: no WebSocket upgrade")
    return p

