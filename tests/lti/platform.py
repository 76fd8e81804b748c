"""A real LTI 1.3 platform for the tests, written from the IMS specifications (LTI Core 1.3,
Security Framework 1.0, Deep Linking 2.0, NRPS 2.0, AGS 2.0) with jwcrypto. It shares no code
with the tool's library (PyLTI1p3), so the two check each other.

It runs on its own port (a stdlib ``ThreadingHTTPServer`` in a thread) and serves:

- ``GET /auth``: the OIDC authorisation endpoint. The tool's login redirect arrives here; it
  answers a page that form-posts a signed ``id_token`` and the ``state`` to ``redirect_uri``
  (``launches`` keyed by ``lti_message_hint`` say who launches, from which course, as what);
- ``GET /jwks``: its key set. ``rotate_keys()`` signs with a new key from then on (the old one
  is still published until ``retire_old_keys()``);
- ``POST /token``: OAuth 2 client credentials with a JWT assertion signed by the tool (checked
  against the tool's key set);
- ``GET /nrps/<course>``: NRPS memberships (``members[course]``);
- ``GET|POST /lineitems/<course>`` and ``POST /lineitems/<course>/<n>/scores``: AGS;
- ``POST /deep_link_return``: the tool's deep-linking response (verified, kept in
  ``deep_link_responses``).

Tests also call ``id_token(...)`` directly to forge the bad launches one at a time.
"""

from __future__ import annotations

import html
import itertools
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from jwcrypto import jwk, jws, jwt

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TEACHING_ASSISTANT = (
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
)
TOOL_CONFIG_CLAIM = "https://purl.imsglobal.org/spec/lti-tool-configuration"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
MENTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
SCOPES = {
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
}


def b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Platform:
    """One platform (an issuer) with one client registration for the tool."""

    def __init__(
        self,
        *,
        client_id: str = "staffroom-client",
        deployment_id: str = "dep-1",
        host: str = "127.0.0.1",
    ):
        """``host``: the name the platform is reached by (it listens on 127.0.0.1 either way);
        ``localhost`` puts it on another site than a tool at 127.0.0.1, as in real life."""
        self.client_id = client_id
        self.deployment_id = deployment_id
        self._kids = itertools.count(1)
        self.keys: list[jwk.JWK] = [self._new_key()]
        self.tool_jwks: dict | Callable[[], dict] | str | None = None  # dict, callable or URL
        self.tool_redirect_uris: list[str] = []
        self.tool_login_url = ""
        self.registration_token = "registration-token-1"
        self.tool_registrations: list[dict] = []
        self.launches: dict[str, dict] = {}  # lti_message_hint → what the launch says
        self.users: dict[str, dict] = {}  # login_hint → sub, name, email
        self.members: dict[str, list[dict]] = {}
        self.line_items: dict[str, list[dict]] = {}
        self.scores: list[dict] = []
        self.deep_link_responses: list[dict] = []
        self.tokens: dict[str, set[str]] = {}
        self.token_requests = 0
        self.jwks_requests = 0
        self.score_failures = 0  # the next N score posts answer 503
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://{host}:{self._server.server_port}"
        self.issuer = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # --- Registration, as the tool is told it -------------------------------------------------
    @property
    def auth_url(self) -> str:
        return self.url + "/auth"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    @property
    def jwks_url(self) -> str:
        return self.url + "/jwks"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def openid_configuration(self) -> dict:
        """The platform's OpenID configuration (LTI Dynamic Registration)."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.auth_url,
            "token_endpoint": self.token_url,
            "jwks_uri": self.jwks_url,
            "registration_endpoint": self.url + "/register",
            "scopes_supported": ["openid", *sorted(SCOPES)],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "test-vle",
                "version": "1.0",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest"},
                ],
            },
        }

    # --- Keys -----------------------------------------------------------------------------------
    def _new_key(self) -> jwk.JWK:
        return jwk.JWK.generate(kty="RSA", size=2048, kid=f"platform-key-{next(self._kids)}")

    def rotate_keys(self) -> jwk.JWK:
        """Sign with a new key from now on; the old ones stay published."""
        self.keys.insert(0, self._new_key())
        return self.keys[0]

    def retire_old_keys(self) -> None:
        self.keys = self.keys[:1]

    def jwks(self) -> dict:
        keys = []
        for key in self.keys:
            public = key.export_public(as_dict=True)
            keys.append({**public, "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    # --- Messages -------------------------------------------------------------------------------
    def claims(
        self,
        *,
        nonce: str,
        sub: str | None = "learner-1",
        roles: list[str] | None = None,
        context_id: str | None = "course-1",
        context_title: str = "PGCE Secondary 2026",
        message_type: str = "LtiResourceLinkRequest",
        resource_link_id: str = "link-1",
        custom: dict | None = None,
        name: str | None = "Ada Lovelace",
        given_name: str | None = "Ada",
        family_name: str | None = "Lovelace",
        email: str | None = "ada@uni.example",
        deep_link_return_url: str | None = None,
        deep_link_data: str | None = None,
        lifetime: int = 300,
        now: int | None = None,
    ) -> dict:
        now = int(time.time()) if now is None else now
        body: dict = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "iat": now,
            "exp": now + lifetime,
            "nonce": nonce,
            LTI + "deployment_id": self.deployment_id,
            LTI + "message_type": message_type,
            LTI + "version": "1.3.0",
            LTI + "roles": roles if roles is not None else [LEARNER],
            LTI + "target_link_uri": self.tool_redirect_uris[0] if self.tool_redirect_uris else "",
            LTI + "tool_platform": {"guid": "platform-guid", "name": "Test VLE"},
        }
        for claim, value in (
            ("sub", sub),
            ("name", name),
            ("given_name", given_name),
            ("family_name", family_name),
            ("email", email),
        ):
            if value is not None:
                body[claim] = value
        if context_id is not None:
            body[LTI + "context"] = {
                "id": context_id,
                "title": context_title,
                "label": context_id.upper(),
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            }
            body[NRPS_CLAIM] = {
                "context_memberships_url": f"{self.url}/nrps/{context_id}",
                "service_versions": ["2.0"],
            }
            body[AGS_CLAIM] = {
                "scope": sorted(SCOPES - {SCOPES_NRPS}),
                "lineitems": f"{self.url}/lineitems/{context_id}",
            }
        if message_type == "LtiResourceLinkRequest":
            body[LTI + "resource_link"] = {"id": resource_link_id, "title": "Staffroom"}
        if message_type == "LtiDeepLinkingRequest":
            body[DL + "deep_linking_settings"] = {
                "deep_link_return_url": deep_link_return_url or self.url + "/deep_link_return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": False,
                "data": deep_link_data or "platform-opaque-data",
            }
        if custom:
            body[LTI + "custom"] = custom
        return body

    def sign(self, body: dict, *, key: jwk.JWK | None = None, header: dict | None = None) -> str:
        key = key or self.keys[0]
        token = jwt.JWT(
            header={"alg": "RS256", "typ": "JWT", "kid": key.kid, **(header or {})},
            claims=body,
        )
        token.make_signed_token(key)
        return token.serialize()

    def id_token(self, **claims) -> str:
        return self.sign(self.claims(**claims))

    @staticmethod
    def unsigned(body: dict, header: dict) -> str:
        """A token with ``alg: none`` (no signature at all)."""
        return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(body).encode()), ""])

    @staticmethod
    def hs256(body: dict, *, secret: bytes, kid: str) -> str:
        """A token MACed with HS256 and ``secret`` (the classic attack uses the public key)."""
        key = jwk.JWK(kty="oct", k=b64(secret))
        token = jws.JWS(json.dumps(body).encode())
        token.add_signature(key, None, {"alg": "HS256", "kid": kid, "typ": "JWT"})
        return token.serialize(compact=True)

    # --- The tool's keys --------------------------------------------------------------------------
    def _tool_key_set(self) -> dict:
        source = self.tool_jwks
        if callable(source):
            return source()
        if isinstance(source, str):
            with urllib.request.urlopen(source, timeout=10) as response:  # noqa: S310
                return json.load(response)
        return source or {"keys": []}

    def verify_from_tool(self, token: str, *, audience: str) -> dict:
        keys = jwk.JWKSet.from_json(json.dumps(self._tool_key_set()))
        parsed = jwt.JWT(
            jwt=token,
            key=keys,
            algs=["RS256"],
            check_claims={"aud": audience, "exp": None, "iat": None},
        )
        return json.loads(parsed.claims)

    # --- HTTP -----------------------------------------------------------------------------------
    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body, content_type="application/json", headers=None):
                data = (
                    body
                    if isinstance(body, bytes)
                    else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
                )
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _form(self) -> dict[str, str]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in self.headers.get("Content-Type", ""):
                    return json.loads(raw or "{}")
                return {k: v[0] for k, v in parse_qs(raw).items()}

            def _scopes(self) -> set[str] | None:
                auth = self.headers.get("Authorization", "")
                if not auth.startswith("Bearer "):
                    return None
                return platform.tokens.get(auth[7:])

            def do_GET(self):
                parts = urlsplit(self.path)
                path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
                if path == "/jwks":
                    platform.jwks_requests += 1
                    return self._send(200, platform.jwks())
                if path == "/auth":
                    return self._auth(query)
                if path == "/course":
                    return self._course(query)
                if path == "/.well-known/openid-configuration":
                    if self.headers.get("Authorization") != f"Bearer {platform.registration_token}":
                        return self._send(401, {"error": "invalid_token"})
                    return self._send(200, platform.openid_configuration())
                if path.startswith("/nrps/"):
                    scopes = self._scopes()
                    if scopes is None or SCOPES_NRPS not in scopes:
                        return self._send(401, {"error": "unauthorized"})
                    course = path.split("/")[2]
                    return self._send(
                        200,
                        {
                            "id": self.path,
                            "context": {"id": course},
                            "members": platform.members.get(course, []),
                        },
                        "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
                    )
                if path.startswith("/lineitems/"):
                    if self._scopes() is None:
                        return self._send(401, {"error": "unauthorized"})
                    course = path.split("/")[2]
                    items = platform.line_items.get(course, [])
                    if "resource_link_id" in query:
                        items = [
                            i for i in items if i.get("resourceLinkId") == query["resource_link_id"]
                        ]
                    if "tag" in query:
                        items = [i for i in items if i.get("tag") == query["tag"]]
                    return self._send(
                        200, items, "application/vnd.ims.lis.v2.lineitemcontainer+json"
                    )
                return self._send(404, {"error": "not found"})

            def do_POST(self):
                path = urlsplit(self.path).path
                if path == "/token":
                    return self._token(self._form())
                if path == "/deep_link_return":
                    return self._deep_link_return(self._form())
                if path == "/register":
                    if self.headers.get("Authorization") != f"Bearer {platform.registration_token}":
                        return self._send(401, {"error": "invalid_token"})
                    body = self._form()
                    platform.tool_registrations.append(body)
                    return self._send(
                        200,
                        {
                            **body,
                            "client_id": platform.client_id,
                            "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                                **body.get(
                                    "https://purl.imsglobal.org/spec/lti-tool-configuration", {}
                                ),
                                "deployment_id": platform.deployment_id,
                            },
                        },
                    )
                if path.startswith("/lineitems/"):
                    scopes = self._scopes()
                    if scopes is None:
                        return self._send(401, {"error": "unauthorized"})
                    segments = path.strip("/").split("/")
                    course = segments[1]
                    body = self._form()
                    if len(segments) == 2:
                        items = platform.line_items.setdefault(course, [])
                        item = {**body, "id": f"{platform.url}/lineitems/{course}/{len(items) + 1}"}
                        items.append(item)
                        return self._send(201, item, "application/vnd.ims.lis.v2.lineitem+json")
                    if len(segments) == 4 and segments[3] == "scores":
                        if platform.score_failures > 0:
                            platform.score_failures -= 1
                            return self._send(503, {"error": "try later"})
                        line_item = f"{platform.url}/lineitems/{course}/{segments[2]}"
                        platform.scores.append({**body, "lineitem": line_item})
                        return self._send(200, {})
                return self._send(404, {"error": "not found"})

            def _auth(self, query: dict) -> None:
                problems = [
                    name
                    for name, expected in (
                        ("scope", "openid"),
                        ("response_type", "id_token"),
                        ("response_mode", "form_post"),
                        ("prompt", "none"),
                        ("client_id", platform.client_id),
                    )
                    if query.get(name) != expected
                ]
                redirect_uri = query.get("redirect_uri", "")
                if platform.tool_redirect_uris and redirect_uri not in platform.tool_redirect_uris:
                    problems.append("redirect_uri")
                user = platform.users.get(query.get("login_hint", ""))
                spec = platform.launches.get(query.get("lti_message_hint", ""))
                if user is None or spec is None:
                    problems.append("login_hint")
                if problems or not query.get("nonce") or not query.get("state"):
                    return self._send(400, {"error": "invalid_request", "problems": problems})
                token = platform.id_token(nonce=query["nonce"], **user, **spec)
                page = (
                    "<!doctype html><title>Launching</title>"
                    f'<form id="f" method="post" action="{html.escape(redirect_uri)}">'
                    f'<input type="hidden" name="id_token" value="{token}">'
                    f'<input type="hidden" name="state" value="{html.escape(query["state"])}">'
                    "<noscript><button>Continue</button></noscript></form>"
                    "<script>document.getElementById('f').submit()</script>"
                )
                return self._send(200, page, "text/html; charset=utf-8")

            def _course(self, query: dict) -> None:
                """A course page: the tool opens in an iframe (``frame=1``) or the page starts
                the login itself (a new window), as platforms do."""
                login = platform.login_url(
                    platform.tool_login_url,
                    login_hint=query.get("user", ""),
                    message_hint=query.get("launch", ""),
                    target=query.get("target") or platform.tool_redirect_uris[0],
                )
                if query.get("frame") == "1":
                    if query.get("storage") == "1":
                        login += "&" + urlencode({"lti_storage_target": "_parent"})
                    page = (
                        "<!doctype html><title>Course</title><h1>Course page</h1>"
                        f'<iframe id="tool" name="tool" src="{html.escape(login)}" '
                        'width="1000" height="700" allow="clipboard-write"></iframe>'
                        f"<script>{STORAGE_SCRIPT}</script>"
                    )
                    return self._send(200, page, "text/html; charset=utf-8")
                self.send_response(302)
                self.send_header("Location", login)
                self.end_headers()

            def _token(self, form: dict) -> None:
                if (
                    form.get("grant_type") != "client_credentials"
                    or form.get("client_assertion_type")
                    != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                ):
                    return self._send(400, {"error": "unsupported_grant_type"})
                try:
                    claims = platform.verify_from_tool(
                        form.get("client_assertion", ""), audience=platform.token_url
                    )
                except Exception as error:  # any failure: the assertion is not the tool's
                    return self._send(401, {"error": "invalid_client", "detail": str(error)})
                if (
                    claims.get("iss") != platform.client_id
                    or claims.get("sub") != platform.client_id
                ):
                    return self._send(401, {"error": "invalid_client"})
                granted = set(form.get("scope", "").split()) & SCOPES
                token = uuid.uuid4().hex
                platform.tokens[token] = granted
                platform.token_requests += 1
                return self._send(
                    200,
                    {
                        "access_token": token,
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "scope": " ".join(sorted(granted)),
                    },
                )

            def _deep_link_return(self, form: dict) -> None:
                try:
                    claims = platform.verify_from_tool(
                        form.get("JWT", ""), audience=platform.issuer
                    )
                except Exception as error:
                    return self._send(400, {"error": "invalid JWT", "detail": str(error)})
                if claims.get(LTI + "message_type") != "LtiDeepLinkingResponse":
                    return self._send(400, {"error": "not a deep-linking response"})
                platform.deep_link_responses.append(claims)
                items = claims.get(DL + "content_items", [])
                titles = "".join(f"<li>{html.escape(i.get('title') or '')}</li>" for i in items)
                return self._send(
                    200,
                    "<!doctype html><title>Added</title>"
                    f"<h1>Added to the course</h1><ul>{titles}</ul>",
                    "text/html; charset=utf-8",
                )

        return Handler

    # --- Helpers for tests ------------------------------------------------------------------------
    def member(self, sub: str, *, roles=None, name=None, email=None, status="Active") -> dict:
        return {
            "user_id": sub,
            "status": status,
            "name": name or f"Person {sub}",
            "given_name": (name or f"Person {sub}").split()[0],
            "family_name": (name or f"Person {sub}").split()[-1],
            "email": email or f"{sub}@uni.example",
            "roles": roles or [LEARNER],
        }

    def login_params(self, *, login_hint: str, message_hint: str, target: str) -> dict:
        return {
            "iss": self.issuer,
            "login_hint": login_hint,
            "target_link_uri": target,
            "lti_message_hint": message_hint,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def login_url(self, tool_login_url: str, **params) -> str:
        return tool_login_url + "?" + urlencode(self.login_params(**params))


SCOPES_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

# LTI Client Side postMessages: the platform's storage for tools in its iframes (per tool
# origin), answering lti.put_data / lti.get_data / lti.capabilities.
STORAGE_SCRIPT = """
window.ltiStorage = {};
window.ltiMessages = [];
window.addEventListener("message", (event) => {
  const m = event.data || {};
  if (!m.subject || !m.subject.startsWith("lti.")) return;
  window.ltiMessages.push(m.subject);
  const store = (window.ltiStorage[event.origin] = window.ltiStorage[event.origin] || {});
  const reply = { subject: m.subject + ".response", message_id: m.message_id, key: m.key };
  if (m.subject === "lti.put_data") { store[m.key] = m.value; reply.value = m.value; }
  else if (m.subject === "lti.get_data") { reply.value = store[m.key]; }
  else if (m.subject === "lti.capabilities") {
    reply.supported_messages = [{ subject: "lti.put_data" }, { subject: "lti.get_data" }];
  }
  else { reply.error = { code: "unsupported_subject", message: m.subject }; }
  event.source.postMessage(reply, event.origin);
});
"""
