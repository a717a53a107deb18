"""`freezewatch watchlist ...` against a stub admin API: a Python http.server
(real HTTP, optionally HTTPS) that records each request and answers as
scripted. Checks the exact requests the CLI sends (method, path, query,
headers, body), the exit-code mapping (README "Commands"), the error messages,
and that a token is never taken from the command line."""
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import textwrap
import threading
import unittest
from pathlib import Path

BIN = os.environ.get("FREEZEWATCH_BIN", "build/daemon/app/freezewatch")
TOKEN = "test-token-0123456789abcdef"
API = "/api/v1/watchlist"
EVM = "0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed"
STX = "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS"


def run(*args, env=None, token=None):
    e = dict(os.environ)
    e.pop("FREEZEWATCH_CONFIG", None)
    e.pop("FREEZEWATCH_ADMIN_TOKEN", None)
    e["FREEZEWATCH_CONFIG"] = "/nonexistent/freezewatch.yaml"  # no default config: default URL
    if token is not None:
        e["FREEZEWATCH_ADMIN_TOKEN"] = token
    e.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60, env=e)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stub:
    """A threaded HTTP(S) server on 127.0.0.1:0. `routes` maps (method, path)
    to (status, content_type, body); anything else is a 404 JSON error."""

    def __init__(self, tls_context=None):
        self.requests = []
        self.routes = {}
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.requests.append({"method": self.command, "target": self.path,
                                      "headers": {k.lower(): v for k, v in self.headers.items()},
                                      "body": body.decode()})
                path = self.path.split("?", 1)[0]
                status, ctype, out = stub.routes.get(
                    (self.command, path), (404, "application/json", json.dumps({"error": "no such entry"})))
                data = out.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = do_PUT = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls_context:
            self.server.socket = tls_context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def route(self, method, path, status=200, body="{}", ctype="application/json"):
        self.routes[(method, path)] = (status, ctype, body if isinstance(body, str) else json.dumps(body))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Usage(unittest.TestCase):
    def assert_usage(self, *args, want):
        r = run(*args)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(want, r.stderr)

    def test_subcommand_and_arguments_are_checked(self):
        self.assert_usage("watchlist", want="watchlist needs a subcommand")
        self.assert_usage("watchlist", "frob", want="unknown watchlist subcommand 'frob'")
        self.assert_usage("watchlist", "get", want="watchlist get takes exactly one ADDRESS")
        self.assert_usage("watchlist", "get", EVM, STX, want="takes exactly one ADDRESS")
        self.assert_usage("watchlist", "add", want="watchlist add needs an ADDRESS or --file FILE")
        self.assert_usage("watchlist", "list", EVM, want="takes no arguments")
        self.assert_usage("watchlist", "export", "--format", "xml", want="--format must be csv or jsonl")
        self.assert_usage("watchlist", "list", "--kind", "file", want="--kind must be api or derived")
        self.assert_usage("watchlist", "list", "--limit", "ten", want="--limit needs a positive whole number")
        self.assert_usage("watchlist", "audit", "--since", "-1", want="--since needs a whole number")
        self.assert_usage("watchlist", "audit", "--since=x", want="--since needs a whole number")
        self.assert_usage("watchlist", "add", EVM, "--label", want="--label needs a value")

    def test_options_only_go_with_their_subcommands(self):
        self.assert_usage("watchlist", "list", "--label", "x", want="--label does not go with watchlist list")
        self.assert_usage("watchlist", "get", EVM, "--follow", want="--follow does not go with watchlist get")
        self.assert_usage("lookup", EVM, "--admin", "http://127.0.0.1:1", want="--admin only goes with watchlist")
        self.assert_usage("watchlist", "list", "--admin", "http://127.0.0.1:1", "--config", "x.yaml",
                          want="either with --admin URL or with --config FILE")
        self.assert_usage("watchlist", "list", "--admin", "ftp://127.0.0.1:1",
                          want="admin URL must start with http:// or https://")
        self.assert_usage("watchlist", "list", "--admin", "http://127.0.0.1:99999", want="invalid port")

    def test_help_lists_the_watchlist_commands_and_exit_codes(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for text in ["watchlist add ADDRESS", "watchlist approve", "--token-file", "6 watchlist: unauthorized"]:
            self.assertIn(text, r.stdout)

    def test_a_token_is_never_accepted_on_the_command_line(self):
        secret = "s3cret-token-do-not-echo-0123"
        for args in (["--token", secret], ["--token=" + secret], ["--admin-token", secret], ["--bearer=" + secret]):
            r = run("watchlist", "list", "--admin", "http://127.0.0.1:1", *args)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("never accepted on the command line", r.stderr)
            self.assertIn("--token-file", r.stderr)
            self.assertNotIn(secret, r.stdout + r.stderr)

    def test_unreadable_token_file_is_a_usage_error(self):
        r = run("watchlist", "list", "--admin", "http://127.0.0.1:1", "--token-file", "/nonexistent/token")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("cannot read token file /nonexistent/token", r.stderr)


class NoDaemon(unittest.TestCase):
    def test_nothing_listening_is_exit_1_with_a_clear_message(self):
        port = free_port()
        r = run("watchlist", "get", EVM, "--admin", f"http://127.0.0.1:{port}", token=TOKEN)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"cannot reach the daemon at http://127.0.0.1:{port}", r.stderr)
        self.assertIn("Connection refused", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_address_comes_from_the_config_admin_section(self):
        port = free_port()
        with tempfile.TemporaryDirectory() as d:
            cfg = Path(d) / "c.yaml"
            cfg.write_text(f"admin: {{listen_address: 0.0.0.0, port: {port}}}\n")
            r = run("watchlist", "list", "--config", str(cfg), token=TOKEN)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(f"cannot reach the daemon at http://127.0.0.1:{port}", r.stderr)

    def test_config_secrets_the_shell_lacks_do_not_matter(self):
        # The daemon's environment has its secrets; an operator's shell need not.
        port = free_port()
        with tempfile.TemporaryDirectory() as d:
            cfg = Path(d) / "c.yaml"
            cfg.write_text(f"admin: {{port: {port}, tokens: [{{name: a, token: '${{FW_CLI_TEST_UNSET}}'}}]}}\n"
                           "webhooks: [{name: h, url: 'https://h.example/x', secrets: ['${FW_CLI_TEST_UNSET2}']}]\n")
            r = run("watchlist", "list", "--config", str(cfg), token=TOKEN)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(f"cannot reach the daemon at http://127.0.0.1:{port}", r.stderr)

    def test_broken_config_is_reported_with_a_hint(self):
        with tempfile.TemporaryDirectory() as d:
            cfg = Path(d) / "c.yaml"
            cfg.write_text("admin: {port: 99999}\n")
            r = run("watchlist", "list", "--config", str(cfg), token=TOKEN)
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("admin.port", r.stderr)
            self.assertIn("--admin", r.stderr)


class AgainstStub(unittest.TestCase):
    def setUp(self):
        self.stub = Stub()
        self.url = f"http://127.0.0.1:{self.stub.port}"
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.stub.close()
        self.tmp.cleanup()

    def cli(self, *args, token=TOKEN, env=None):
        return run("watchlist", *args, "--admin", self.url, token=token, env=env)

    def last(self):
        self.assertTrue(self.stub.requests, "the CLI sent no request")
        return self.stub.requests[-1]

    def test_add_posts_the_entries_with_their_provenance_and_prints_the_answer(self):
        answer = {"added": 2, "updated": 0, "entries": [{"address": EVM}, {"address": STX}]}
        self.stub.route("POST", f"{API}/entries", body=answer)
        r = self.cli("add", EVM, STX, "--chain", "evm", "--label", "ALEX attacker", "--incident", "alex-lab-2024",
                     "--source", "ALEX statement", "--severity", "high", "--notes", 'said "hi", twice',
                     "--expires-at", "2026-12-01T00:00:00Z", "--follow")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), answer)
        req = self.last()
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["target"], f"{API}/entries")
        self.assertEqual(req["headers"]["authorization"], f"Bearer {TOKEN}")
        self.assertEqual(req["headers"]["content-type"], "application/json")
        common = {"chain": "evm", "label": "ALEX attacker", "incident": "alex-lab-2024", "source": "ALEX statement",
                  "severity": "high", "notes": 'said "hi", twice', "expires_at": "2026-12-01T00:00:00Z",
                  "follow": True}
        self.assertEqual(json.loads(req["body"]),
                         {"entries": [{"address": EVM, **common}, {"address": STX, **common}]})

    def test_add_sends_only_the_fields_given(self):
        self.stub.route("POST", f"{API}/entries", body={"added": 1, "updated": 0, "entries": []})
        r = self.cli("add", EVM)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(self.last()["body"]), {"entries": [{"address": EVM}]})

    def test_add_from_csv_file_with_options_as_defaults(self):
        self.stub.route("POST", f"{API}/entries", body={"added": 2, "updated": 0, "entries": []})
        f = self.dir / "entries.csv"
        f.write_text("# incident batch 3\naddress,chain,label,incident,follow,added_at\n"
                     f'{EVM},evm,"attacker, hop 1",,true,2024-05-14\n'
                     f"{STX},,,other-incident,,\n")
        r = self.cli("add", "--file", str(f), "--incident", "alex-lab-2024", "--source", "investigator")
        self.assertEqual(r.returncode, 0, r.stderr)
        body = json.loads(self.last()["body"])
        self.assertEqual(body["entries"], [
            {"address": EVM, "chain": "evm", "label": "attacker, hop 1", "follow": True,
             "incident": "alex-lab-2024", "source": "investigator"},
            {"address": STX, "incident": "other-incident", "source": "investigator"},
        ])

    def test_add_from_jsonl_file_keeps_the_rows_values(self):
        self.stub.route("POST", f"{API}/entries", body={"added": 2, "updated": 0, "entries": []})
        f = self.dir / "entries.jsonl"
        f.write_text(json.dumps({"address": EVM, "label": "a", "follow": False}) + "\n\n" +
                     json.dumps({"address": STX, "severity": "low", "extra": {"k": [1, 2]}}) + "\n")
        r = self.cli("add", "--file", str(f), "--severity", "high", "--follow")
        self.assertEqual(r.returncode, 0, r.stderr)
        body = json.loads(self.last()["body"])
        self.assertEqual(body["entries"], [
            {"address": EVM, "label": "a", "follow": False, "severity": "high"},
            {"address": STX, "severity": "low", "extra": {"k": [1, 2]}, "follow": True},
        ])

    def test_bad_entries_file_is_rejected_before_sending(self):
        f = self.dir / "bad.csv"
        f.write_text("address,colour\nx,red\n")
        r = self.cli("add", "--file", str(f))
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("bad.csv:1: unknown column 'colour'", r.stderr)
        f = self.dir / "bad.jsonl"
        f.write_text('{"address": "x"}\n[1, 2]\n')
        r = self.cli("add", "--file", str(f))
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("bad.jsonl:2: not a JSON object", r.stderr)
        r = self.cli("add", "--file", str(self.dir / "missing.csv"))
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(self.stub.requests, [])

    def test_rejected_batch_is_exit_3_with_the_servers_problems(self):
        self.stub.route("POST", f"{API}/entries", status=400, body={
            "error": "2 entries are invalid",
            "problems": [{"index": 1, "field": "address", "reason": "not a valid address on any chain"},
                         {"index": 0, "field": "expires_at", "reason": "not an ISO 8601 time"}]})
        r = self.cli("add", EVM, "0xnope", "--expires-at", "soon")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("rejected (HTTP 400): 2 entries are invalid", r.stderr)
        self.assertIn("entry 1 (0xnope): address: not a valid address on any chain", r.stderr)
        self.assertIn(f"entry 0 ({EVM}): expires_at: not an ISO 8601 time", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_oversized_batch_is_exit_3_with_a_hint(self):
        self.stub.route("POST", f"{API}/entries", status=413, ctype="text/plain",
                        body="request body too large (limit 1024 bytes)\n")
        r = self.cli("add", EVM)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("request body too large", r.stderr)
        self.assertIn("max_body_bytes", r.stderr)

    def test_remove_deletes_with_the_incident_and_404_is_exit_4(self):
        self.stub.route("DELETE", f"{API}/entries/{EVM}", body={"removed": 1})
        r = self.cli("remove", EVM, "--incident", "alex lab/2024")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.last()["method"], "DELETE")
        self.assertEqual(self.last()["target"], f"{API}/entries/{EVM}?incident=alex%20lab%2F2024")
        r = self.cli("remove", STX)
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("not found (HTTP 404): no such entry", r.stderr)

    def test_get_encodes_the_address_as_one_path_segment(self):
        self.stub.route("GET", f"{API}/entries/{STX}", body={"address": STX, "listings": []})
        r = self.cli("get", STX)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["address"], STX)
        self.assertEqual(self.last()["method"], "GET")
        r = self.cli("get", "a/b?c")
        self.assertEqual(r.returncode, 4)
        self.assertEqual(self.last()["target"], f"{API}/entries/a%2Fb%3Fc")

    def test_list_passes_its_filters_as_query(self):
        self.stub.route("GET", f"{API}/entries", body={"entries": [], "next_after": None})
        r = self.cli("list", "--incident", "alex-lab-2024", "--kind", "derived", "--limit", "50", "--after", EVM)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.last()["target"],
                         f"{API}/entries?incident=alex-lab-2024&kind=derived&limit=50&after={EVM}")
        r = self.cli("list")
        self.assertEqual(self.last()["target"], f"{API}/entries")

    def test_approve_and_dismiss_address_the_derived_entry(self):
        self.stub.route("POST", f"{API}/derived/{EVM}/approve", body={"approved": True})
        self.stub.route("DELETE", f"{API}/derived/{EVM}", body={"dismissed": True})
        r = self.cli("approve", EVM)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((self.last()["method"], self.last()["target"]), ("POST", f"{API}/derived/{EVM}/approve"))
        self.assertEqual(self.last()["headers"].get("content-length"), "0")
        r = self.cli("dismiss", EVM)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((self.last()["method"], self.last()["target"]), ("DELETE", f"{API}/derived/{EVM}"))

    def test_export_prints_the_body_as_is(self):
        csv = "address,chain,label\n" + "".join(f"0x{i:040x},evm,row {i}\n" for i in range(20000))
        self.stub.route("GET", f"{API}/export", body=csv, ctype="text/csv")
        r = self.cli("export", "--format", "csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, csv)
        self.assertEqual(self.last()["target"], f"{API}/export?format=csv")

    def test_audit_passes_since_and_limit(self):
        self.stub.route("GET", f"{API}/audit", body={"records": [], "next_since": 42})
        r = self.cli("audit", "--since", "41", "--limit", "10")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.last()["target"], f"{API}/audit?since=41&limit=10")

    def test_unauthorized_is_exit_6_and_hints_when_no_token_was_given(self):
        self.stub.route("GET", f"{API}/entries", status=401, body={"error": "missing or invalid bearer token"})
        r = self.cli("list", token=None)
        self.assertEqual(r.returncode, 6, r.stdout + r.stderr)
        self.assertIn("unauthorized (HTTP 401): missing or invalid bearer token", r.stderr)
        self.assertIn("no token given", r.stderr)
        self.assertNotIn("authorization", self.last()["headers"])
        r = self.cli("list", token="wrong-token-0123456789")
        self.assertEqual(r.returncode, 6)
        self.assertNotIn("no token given", r.stderr)
        self.assertNotIn("wrong-token-0123456789", r.stderr + r.stdout)

    def test_token_file_holds_the_token_or_a_name_and_the_token(self):
        self.stub.route("GET", f"{API}/entries", body={"entries": []})
        f = self.dir / "token"
        for content in [TOKEN + "\n", f"# admin token\n\nalice {TOKEN}\n"]:
            f.write_text(content)
            r = self.cli("list", "--token-file", str(f), token="env-token-loses-0123456")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.last()["headers"]["authorization"], f"Bearer {TOKEN}")

    def test_server_error_is_exit_1(self):
        self.stub.route("GET", f"{API}/entries/{EVM}", status=500, ctype="text/plain", body="internal error\n")
        r = self.cli("get", EVM)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("(HTTP 500): internal error", r.stderr)


@unittest.skipUnless(shutil.which("openssl"), "openssl CLI not installed")
class OverHttps(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = Path(cls.tmp.name)
        cls.cert, cls.key = d / "cert.pem", d / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", str(cls.key), "-out", str(cls.cert), "-days", "1",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cls.cert, cls.key)
        cls.stub = Stub(ctx)
        cls.stub.route("GET", f"{API}/entries", body={"entries": []})

    @classmethod
    def tearDownClass(cls):
        cls.stub.close()
        cls.tmp.cleanup()

    def test_https_with_ca_file_verifies_the_daemon(self):
        for host in ["localhost", "127.0.0.1"]:
            r = run("watchlist", "list", "--admin", f"https://{host}:{self.stub.port}", "--ca-file", str(self.cert),
                    token=TOKEN)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout), {"entries": []})

    def test_untrusted_certificate_is_refused(self):
        r = run("watchlist", "list", "--admin", f"https://localhost:{self.stub.port}", token=TOKEN)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("TLS handshake", r.stderr)
        self.assertIn("certificate", r.stderr)

    def test_config_with_tls_trusts_the_daemons_own_certificate(self):
        with tempfile.TemporaryDirectory() as d:
            cfg = Path(d) / "c.yaml"
            cfg.write_text(textwrap.dedent(f"""\
                admin:
                  port: {self.stub.port}
                  tls_cert_file: {self.cert}
                  tls_key_file: {self.key}
                """))
            r = run("watchlist", "list", "--config", str(cfg), token=TOKEN)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout), {"entries": []})

    def test_plain_http_to_an_https_port_fails_cleanly(self):
        r = run("watchlist", "list", "--admin", f"http://127.0.0.1:{self.stub.port}", token=TOKEN)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(r.returncode, (1, 3))


if __name__ == "__main__":
    unittest.main()
