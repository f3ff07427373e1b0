#!/usr/bin/env python3
"""Checks deploy/ against the binary it deploys: the container image (deploy/docker), the
Compose stack (deploy/compose), the nginx configs and the Kubernetes manifests (deploy/k8s).

Every fact is read from its source, never written here twice: the routes from the running
`gatehouse` (GATEHOUSE_BIN, its /openapi.json and real GETs), the setting names from
config/loader.cpp, the settings' validity from `gatehouse check-config`, the runtime libraries
from the binary's ELF header and dpkg, the package lists from deploy/local/lib.sh. The checkers
(deploy_checks.py) return lists of problems; ChecksCanFail shows each one failing on a broken
copy. Needs python3-yaml, nginx, docker-compose and kubectl (only to validate and render, no
daemon or cluster), nats-server and the test services' DATABASE_URL, REDIS_URL and NATS_URL
(deploy/local/test.sh starts them).
"""

import copy
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploy_checks import (COMPOSE, ROOT as ROOT_DIR, check_compose, check_dockerfile, check_k8s,  # noqa: E402
                           check_local_nginx, container_of, env_example, free_port,
                           gatehouse_services, health_url, interpolate, load_k8s,
                           parse_dockerfile, read, runtime_packages)

BIN = os.environ.get("GATEHOUSE_BIN") or (sys.argv[1] if len(sys.argv) > 1 else "")


# --- the binary, its services and check-config --------------------------------------------------

class Process:
    """A child process whose output goes to a file; ended with SIGTERM, then SIGKILL."""

    def __init__(self, args, env, log):
        self.log = open(log, "w+", encoding="utf-8")
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_for(self, text, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.log.seek(0)
            if text in self.log.read():
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.log.seek(0)
        raise AssertionError(f"{text!r} never appeared:\n{self.log.read()[-3000:]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        return self.proc.returncode


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as errors, to be looked at."""

    def redirect_request(self, *args, **kwargs):
        return None


def http_get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_http(url, seconds=15):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if http_get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never answered 200")


def check_config(env, tmp):
    """`gatehouse check-config` with exactly `env`: (exit code, output)."""
    r = subprocess.run([BIN, "check-config"], env={"PATH": os.environ["PATH"], **env}, cwd=tmp,
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


def slurp(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


class Stack:
    """Generated compose secrets, a token-protected nats-server with the compose NATS config,
    and Gatehouse in production mode listening as the manifests say, on a free port."""

    def __init__(self):
        for var in ("DATABASE_URL", "REDIS_URL", "NATS_URL"):
            assert os.environ.get(var), f"{var} is not set: start the test services first"
        assert BIN and os.access(BIN, os.X_OK), "GATEHOUSE_BIN names no gatehouse binary"
        self.tmp = tempfile.mkdtemp(prefix="gatehouse-deploy-test.")
        self.procs = []
        # The compose folder's secrets, written by its own script.
        self.compose_dir = os.path.join(self.tmp, "compose")
        os.makedirs(self.compose_dir)
        shutil.copy(os.path.join(COMPOSE, "make-secrets.sh"), self.compose_dir)
        subprocess.run(["bash", os.path.join(self.compose_dir, "make-secrets.sh")], check=True,
                       capture_output=True)
        self.secrets = os.path.join(self.compose_dir, "secrets")
        # nats-server with the compose nats.conf, moved to loopback ports and a temp store.
        conf = slurp(os.path.join(self.secrets, "nats.conf"))
        self.compose_nats_monitor = int(re.search(r"^http_port:\s*(\d+)", conf, re.M).group(1))
        nats_port, monitor = free_port(), free_port()
        conf = re.sub(r"^port:\s*\d+", f"listen: 127.0.0.1:{nats_port}", conf, flags=re.M)
        conf = re.sub(r"^http_port:\s*\d+", f"http: 127.0.0.1:{monitor}", conf, flags=re.M)
        conf = conf.replace("store_dir: /data", f"store_dir: {self.tmp}/jetstream")
        nats = shutil.which("nats-server") or "/usr/sbin/nats-server"
        self.start([nats, "-c", write(f"{self.tmp}/nats.conf", conf)], os.environ, "nats")
        wait_http(f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true")
        token_url = slurp(os.path.join(self.secrets, "nats_url"))
        token = re.match(r"nats://([^@]+)@", token_url).group(1)
        self.nats_url = f"nats://{token}@127.0.0.1:{nats_port}"
        # Gatehouse: production, the ConfigMap's listen host, the compose secrets.
        listen_host = load_k8s()["ConfigMap"]["data"]["GATEHOUSE_LISTEN"].rsplit(":", 1)[0]
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {"PATH": os.environ["PATH"], "GATEHOUSE_ENV": "production",
               "GATEHOUSE_LISTEN": f"{listen_host}:{self.port}",
               "GATEHOUSE_PUBLIC_URL": "https://gatehouse.test",
               "GATEHOUSE_DATA_DIR": f"{self.tmp}/data", "GATEHOUSE_IO_THREADS": "1",
               "DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ["REDIS_URL"],
               "NATS_URL_FILE": write(f"{self.tmp}/nats_url", self.nats_url),
               "JWT_SIGNING_KEY_FILE": f"{self.secrets}/jwt_signing_key.pem",
               "GATEHOUSE_SECRETS_KEY_FILE": f"{self.secrets}/secrets_key"}
        self.gatehouse = self.start([BIN, "serve"], env, "gatehouse")
        self.gatehouse.wait_for("Gatehouse listening on", 60)
        status, body = http_get(self.base + "/openapi.json")
        assert status == 200, body
        self.routes = set(json.loads(body)["paths"])

    def start(self, args, env, name):
        p = Process(args, env, f"{self.tmp}/{name}.log")
        self.procs.append(p)
        return p

    def close(self):
        for p in reversed(self.procs):
            p.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


STACK = None


def setUpModule():
    global STACK
    STACK = Stack()


def tearDownModule():
    if STACK:
        STACK.close()


def load_all():
    df = parse_dockerfile(read("deploy", "docker", "Dockerfile"))
    with open(os.path.join(COMPOSE, "docker-compose.yml"), encoding="utf-8") as f:
        compose = yaml.safe_load(f)
    return df, compose, load_k8s(), read("deploy", "compose", "nginx.conf.template")


class ServedRoutes(unittest.TestCase):
    def test_probe_paths_answer_200_on_the_running_binary(self):
        df, compose, k8s, _ = load_all()
        paths = {health_url(df["healthcheck"], df["env"])[1]}
        for svc in gatehouse_services(compose).values():
            paths.add(health_url(svc["healthcheck"]["test"], {})[1])
        c = container_of(k8s["Deployment"])
        paths |= {c[p]["httpGet"]["path"] for p in ("livenessProbe", "readinessProbe", "startupProbe")}
        for path in sorted(paths):
            self.assertIn(path, STACK.routes)
            status, body = http_get(STACK.base + path)
            self.assertEqual(status, 200, f"{path}: {body}")
        # Readiness saw PostgreSQL, Redis and the token-protected NATS of the compose config.
        self.assertEqual(json.loads(http_get(STACK.base + "/readyz")[1])["nats"], "ok")

    def test_compose_nats_monitor_port_is_the_healthchecked_one(self):
        _, compose, _, _ = load_all()
        port, _ = health_url(compose["services"]["nats"]["healthcheck"]["test"], {})
        self.assertEqual(port, STACK.compose_nats_monitor)

    def test_local_nginx_passes_http_and_websocket_upgrades(self):
        conf = read("deploy", "nginx", "gatehouse-local.conf")
        self.assertEqual(check_local_nginx(conf, 3), [])
        # The three upstream servers all point at the running binary; nginx on a free port.
        front = free_port()
        conf = re.sub(r"server 127\.0\.0\.1:\d+", f"server 127.0.0.1:{STACK.port}", conf)
        conf = re.sub(r"listen 127\.0\.0\.1:\d+", f"listen 127.0.0.1:{front}", conf)
        prefix = os.path.join(STACK.tmp, "nginx")
        os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
        path = write(os.path.join(prefix, "nginx.conf"), conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        t = subprocess.run([nginx, "-t", "-p", prefix, "-c", path], capture_output=True, text=True)
        self.assertEqual(t.returncode, 0, t.stderr)
        proc = STACK.start([nginx, "-p", prefix, "-c", path], os.environ, "nginx")
        wait_http(f"http://127.0.0.1:{front}/healthz")
        # A WebSocket handshake without credentials reaches Gatehouse through nginx: its 401
        # problem, not nginx's own page.
        status, body = http_get(f"http://127.0.0.1:{front}/api/v1/ws",
                                {"Upgrade": "websocket", "Connection": "Upgrade",
                                 "Sec-WebSocket-Version": "13",
                                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
        self.assertEqual(status, 401, body)
        self.assertIn("problems/unauthorized", body)
        self.assertEqual(proc.stop(), 0)

    def test_compose_nginx_terminates_tls_in_front_of_the_binary(self):
        # The Compose template as the nginx image's start script fills it in, with the replicas'
        # names, the secrets' paths and the ports moved to this machine.
        plain, tls = free_port(), free_port()
        conf = read("deploy", "compose", "nginx.conf.template")
        conf = re.sub(r"server gatehouse-\d+:\d+", f"server 127.0.0.1:{STACK.port}", conf)
        conf = conf.replace("${GATEHOUSE_PUBLIC_URL}", "https://gatehouse.test")
        conf = conf.replace("/run/secrets/tls_cert", f"{STACK.secrets}/tls.crt")
        conf = conf.replace("/run/secrets/tls_key", f"{STACK.secrets}/tls.key")
        conf = conf.replace("listen 80;", f"listen 127.0.0.1:{plain};")
        conf = conf.replace("listen 443 ssl;", f"listen 127.0.0.1:{tls} ssl;")
        prefix = os.path.join(STACK.tmp, "nginx-compose")
        os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
        server = write(os.path.join(prefix, "server.conf"), conf)
        main = write(os.path.join(prefix, "nginx.conf"),
                     "pid nginx.pid;\nerror_log logs/error.log;\ndaemon off;\nevents {}\n"
                     "http {\n  access_log off;\n  client_body_temp_path cb;\n  proxy_temp_path pt;\n"
                     f"  include {server};\n}}\n")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        proc = STACK.start([nginx, "-p", prefix, "-c", main], os.environ, "nginx-compose")
        wait_http(f"http://127.0.0.1:{plain}/nginx-health")
        # Port 80 sends browsers to the public URL.
        opener = urllib.request.build_opener(NoRedirect)
        with self.assertRaises(urllib.error.HTTPError) as redirect:
            opener.open(f"http://127.0.0.1:{plain}/api/v1/plans?x=1", timeout=5)
        self.assertEqual(redirect.exception.code, 308)
        self.assertEqual(redirect.exception.headers["Location"],
                         "https://gatehouse.test/api/v1/plans?x=1")
        redirect.exception.close()
        # TLS with the certificate make-secrets.sh wrote, then plain HTTP on to Gatehouse.
        ctx = ssl.create_default_context(cafile=f"{STACK.secrets}/tls.crt")
        with urllib.request.urlopen(f"https://localhost:{tls}/readyz", context=ctx, timeout=5) as r:
            self.assertEqual(r.status, 200)
            self.assertTrue(r.headers["X-Request-Id"])
        self.assertEqual(proc.stop(), 0)


class Manifests(unittest.TestCase):
    def setUp(self):
        self.df, self.compose, self.k8s, self.nginx = load_all()
        self.packages = runtime_packages(BIN)

    def test_dockerfile(self):
        self.assertEqual(check_dockerfile(self.df, STACK.routes, self.packages), [])

    def test_kubernetes(self):
        self.assertEqual(check_k8s(self.k8s, STACK.routes), [])

    def test_compose(self):
        self.assertEqual(check_compose(self.compose, self.df, STACK.routes, self.nginx), [])

    def test_users_agree(self):
        uid = self.df["user"].split(":")[0]
        pod = self.k8s["Deployment"]["spec"]["template"]["spec"]
        self.assertEqual(str(pod["securityContext"]["runAsUser"]), uid)
        self.assertEqual(str(container_of(self.k8s["Deployment"])["securityContext"]["runAsUser"]), uid)

    def test_compose_file_passes_docker_compose_config(self):
        # Debian's docker-compose validates the file against the Compose schema without a daemon,
        # with the .env a user copies and the secrets make-secrets.sh wrote.
        for name in ("docker-compose.yml", "nginx.conf.template"):
            shutil.copy(os.path.join(COMPOSE, name), STACK.compose_dir)
        shutil.copy(os.path.join(COMPOSE, ".env.example"), os.path.join(STACK.compose_dir, ".env"))
        r = subprocess.run(["docker-compose", "config", "-q"], cwd=STACK.compose_dir,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_kustomization_renders_with_kubectl(self):
        # Debian's kubectl (kubernetes-client) builds the kustomization offline.
        r = subprocess.run(["kubectl", "kustomize", os.path.join(ROOT_DIR, "deploy", "k8s")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        docs = [d for d in yaml.safe_load_all(r.stdout) if d]
        kinds = {d["kind"]: d for d in docs}
        self.assertEqual(set(kinds), {"Namespace", "ConfigMap", "Deployment", "Service",
                                      "PodDisruptionBudget", "HorizontalPodAutoscaler",
                                      "NetworkPolicy"})
        namespace = kinds["Namespace"]["metadata"]["name"]
        for d in docs:
            if d["kind"] != "Namespace":
                self.assertEqual(d["metadata"].get("namespace"), namespace, d["kind"])
        image = self.k8s["kustomization"]["images"][0]
        self.assertEqual(container_of(kinds["Deployment"])["image"],
                         f"{image['newName']}:{image['newTag']}")

    def test_every_compose_secret_is_made_by_make_secrets(self):
        for name, spec in self.compose["secrets"].items():
            self.assertTrue(os.path.isfile(os.path.join(STACK.compose_dir, spec["file"])), name)


class SettingsAreValid(unittest.TestCase):
    """`gatehouse check-config` with exactly the environment each deployment gives it."""

    def k8s_env(self, secret_values):
        k8s = load_k8s()
        c = container_of(k8s["Deployment"])
        env = dict(k8s["ConfigMap"]["data"])
        folder = os.path.join(STACK.tmp, "k8s-secrets")
        for e in c["env"]:
            if "value" in e and e["name"].endswith("_FILE"):
                key = os.path.basename(e["value"])
                env[e["name"]] = write(os.path.join(folder, key), secret_values[key])
            elif "value" in e:
                env[e["name"]] = e["value"]
            elif "secretKeyRef" in e["valueFrom"]:
                env[e["name"]] = secret_values[e["valueFrom"]["secretKeyRef"]["key"]]
            else:
                env[e["name"]] = "gatehouse-5d8f7c9b4-x2x7k"
        return env

    def real_secret_values(self):
        s = STACK.secrets
        return {"database_url": os.environ["DATABASE_URL"], "redis_url": os.environ["REDIS_URL"],
                "nats_url": STACK.nats_url, "secrets_key": slurp(f"{s}/secrets_key"),
                "jwt_signing_key.pem": slurp(f"{s}/jwt_signing_key.pem"),
                "smtp_url": "smtps://mailer:pw@smtp.example.com:465",
                "s3_access_key_id": "AKIDEXAMPLE", "s3_secret_access_key": "secret"}

    def test_kubernetes_settings(self):
        rc, out = check_config(self.k8s_env(self.real_secret_values()), STACK.tmp)
        self.assertEqual(rc, 0, out)

    def test_secret_example_placeholders_are_refused(self):
        values = load_k8s()["Secret"]["stringData"]
        rc, out = check_config(self.k8s_env(values), STACK.tmp)
        self.assertEqual(rc, 2, out)
        self.assertIn("GATEHOUSE_SECRETS_KEY", out)
        self.assertNotIn("CHANGE-ME", out, "a secret's value reached the output")

    def test_compose_settings(self):
        values = env_example()
        _, compose, _, _ = load_all()
        for name, svc in gatehouse_services(compose).items():
            env = {}
            for k, v in svc["environment"].items():
                v = interpolate(v, values)
                if v.startswith("/run/secrets/"):
                    v = os.path.join(STACK.compose_dir, compose["secrets"][os.path.basename(v)]["file"])
                env[k] = v
            rc, out = check_config(env, STACK.tmp)
            self.assertEqual(rc, 0, f"{name}: {out}")

    def test_image_defaults_leave_only_the_production_requirements(self):
        df = parse_dockerfile(read("deploy", "docker", "Dockerfile"))
        rc, out = check_config(df["env"], STACK.tmp)
        self.assertEqual(rc, 2, out)
        named = set(re.findall(r"^\s+([A-Z_]+):", out, re.M))
        required = {"DATABASE_URL", "REDIS_URL", "NATS_URL", "GATEHOUSE_PUBLIC_URL",
                    "JWT_SIGNING_KEY_FILE", "GATEHOUSE_SECRETS_KEY"}
        self.assertEqual(named, required)
        deploy = read("README.md").split("## Deploy", 1)[1].split("\n## ", 1)[0]
        for name in required:
            self.assertIn(name, deploy, "README \"Deploy\" must name every production requirement")


class ChecksCanFail(unittest.TestCase):
    """Each checker on a broken copy: it must name the problem."""

    def setUp(self):
        self.df, self.compose, self.k8s, self.nginx = load_all()

    def assertFlags(self, problems, text):
        self.assertTrue(any(text in p for p in problems), f"{text!r} not in {problems}")

    def test_broken_kubernetes(self):
        cases = [
            (lambda d: container_of(d["Deployment"])["readinessProbe"]["httpGet"].update(path="/ready"),
             "not a route the binary serves"),
            (lambda d: container_of(d["Deployment"])["livenessProbe"]["httpGet"].update(port=9090),
             "not the listening port"),
            (lambda d: container_of(d["Deployment"])["ports"][0].update(containerPort=9090),
             "containerPort http"),
            (lambda d: container_of(d["Deployment"])["securityContext"].pop("readOnlyRootFilesystem"),
             "readOnlyRootFilesystem"),
            (lambda d: container_of(d["Deployment"])["securityContext"]["capabilities"].update(drop=[]),
             "drop ALL"),
            (lambda d: container_of(d["Deployment"])["resources"].pop("limits"), "limits.cpu"),
            (lambda d: container_of(d["Deployment"]).pop("image"), "no image"),
            (lambda d: d["ConfigMap"]["data"].update(GATEHOUSE_LISTN="0.0.0.0:1"), "GATEHOUSE_LISTN"),
            (lambda d: d["Secret"]["stringData"].update(secrets_key="real-looking"), "placeholder"),
            (lambda d: d["NetworkPolicy"]["spec"]["ingress"][0]["ports"].append({"port": 5432}),
             "only the HTTP port"),
            (lambda d: d["kustomization"]["resources"].remove("pdb.yaml"), "kustomization"),
        ]
        for mutate, text in cases:
            broken = copy.deepcopy(self.k8s)
            mutate(broken)
            self.assertFlags(check_k8s(broken, STACK.routes), text)

    def test_broken_dockerfile(self):
        text = read("deploy", "docker", "Dockerfile")
        for old, new, flag in (("/healthz\\\"", "/health\\\"", "HEALTHCHECK"),
                               ("USER 10001:10001", "USER root", "non-root"),
                               ("EXPOSE 8080", "EXPOSE 9000", "EXPOSE"),
                               ("LOG_FORMAT=json", "LOG_FORMATS=json", "LOG_FORMATS")):
            self.assertIn(old, text)
            df = parse_dockerfile(text.replace(old, new))
            self.assertFlags(check_dockerfile(df, STACK.routes, []), flag)
        # A library the binary loads whose package the runtime stage would not install.
        self.assertFlags(check_dockerfile(self.df, STACK.routes, ["libgatehouse-missing1"]),
                         "libgatehouse-missing1")

    def test_broken_compose(self):
        one = lambda c: c["services"]["gatehouse-1"]
        cases = [
            (lambda c: one(c)["healthcheck"].update(test=["CMD", "curl", "http://127.0.0.1:8080/readyz"]),
             "healthcheck"),
            (lambda c: one(c)["environment"].update(DATABASE_URL="postgresql://x"), "use DATABASE_URL_FILE"),
            (lambda c: one(c)["environment"].update(GATEHOUSE_LISTEN="0.0.0.0:9000"), "GATEHOUSE_LISTEN"),
            (lambda c: one(c).update(read_only=False), "read_only"),
            (lambda c: one(c)["secrets"].append("undeclared"), "not declared"),
        ]
        for mutate, flag in cases:
            broken = copy.deepcopy(self.compose)
            mutate(broken)
            self.assertFlags(check_compose(broken, self.df, STACK.routes, self.nginx), flag)
        self.assertFlags(check_compose(self.compose, self.df, STACK.routes,
                                       self.nginx.replace("gatehouse-2:8080", "gatehouse-2:9000")),
                         "upstream")

    def test_malformed_input(self):
        with self.assertRaises(yaml.YAMLError):
            yaml.safe_load("spec: [containers, {name: gatehouse")
        rc, out = check_config({"GATEHOUSE_LISTEN": "0.0.0.0", "DATABASE_URL": "postgresql://h/d",
                                "REDIS_URL": "redis://h:6379/0", "NATS_URL": "nats://h:4222"},
                               STACK.tmp)
        self.assertEqual(rc, 2, out)
        self.assertIn("GATEHOUSE_LISTEN", out)
        self.assertEqual(check_local_nginx("upstream g {\n  server 127.0.0.1:1;\n}\n", 3)[0],
                         "local nginx: 1 upstream servers, want 3")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
