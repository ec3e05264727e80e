#!/usr/bin/env python3
"""Check that qiskit-ibm-runtime can set itself up against a Berth server, without installing it.

    BERTH_TOKEN=<key> [IAM_URL=…] python3 examples/check_qiskit_setup.py URL [INSTANCE]

Makes the requests `QiskitRuntimeService(channel="ibm_quantum_platform", url=URL, token=KEY,
instance=INSTANCE)` makes, in its order and with its headers (docs/qiskit.md; read from
qiskit-ibm-runtime 0.49, ibm-cloud-sdk-core 3.25, platform-services 0.76), then its first runtime
call (`service.backends()`), and says what the client would get: the instances it sees, the one it
picks, where its runtime calls go, the backends. INSTANCE is a CRN, a name, or absent (the
client then picks one itself). Standard library only.

Environment, as the client reads it:
  BERTH_TOKEN          the API key (the client's `token`)
  IAM_URL              where the client gets access tokens; unset, its runtime calls send the key
                       to IBM's https://iam.cloud.ibm.com: this check fails, and sends nothing there
  GLOBAL_SEARCH_URL    Global Search's base (default: https://api.global-search-tagging.<host>)
  GLOBAL_CATALOG_URL   Global Catalog's base (default: https://globalcatalog.<host>/api/v1)
  BERTH_RUNTIME_URL    what a `url_resolver` returns (default: the client's own resolver,
                       https://quantum.<host>/api/v1, or https://<region>.quantum.<host>/api/v1)
  BERTH_CHECK_CONNECT_TO
                       NAME:PORT:ADDRESS:PORT, like curl's --connect-to: connections to NAME or
                       any name under it (*.NAME) on PORT go to ADDRESS:PORT instead of where DNS
                       says. Checks a proxy before its DNS names exist; the host names and the
                       TLS names stay as they are.
  SSL_CERT_FILE        a CA file to trust (a lab's own certificate authority)
Exit status: 0 when the client would work, 1 when it would not (the reason is printed).
"""
import base64
import json
import os
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request

SDK_UA = "ibm-python-sdk-core-3.25.0 os.name=Linux python.version=3"
PLATFORM_UA = "platform-services-python-sdk/0.76.0 (lang=python)"
PRICING_ORDER = ["free", "trial", "paygo", "paid", "subscription", "unknown"]


class SetupError(Exception):
    """What the client would raise, in its words."""


def connect_to_override():
    """BERTH_CHECK_CONNECT_TO=NAME:PORT:ADDRESS:PORT redirects NAME and *.NAME on PORT."""
    rule = os.environ.get("BERTH_CHECK_CONNECT_TO")
    if not rule:
        return
    name, port, address, to_port = rule.rsplit(":", 3)
    real = socket.create_connection

    def create_connection(target, *args, **kwargs):
        host, at = target[0].lower(), int(target[1])
        if at == int(port) and (host == name or host.endswith("." + name)):
            target = (address, int(to_port))
        return real(target, *args, **kwargs)

    socket.create_connection = create_connection


def request(method, url, headers, body=None):
    """One HTTP request; returns (status, text)."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def derived(url, prefix):
    """accounts/utils.py: scheme and host name only; the port and the path are dropped."""
    parsed = urllib.parse.urlparse(url)
    return f"{parsed.scheme}://{prefix}{parsed.hostname}"


def runtime_url(url, crn):
    """api/utils.py default_runtime_url_resolver (public endpoint)."""
    if os.environ.get("BERTH_RUNTIME_URL"):
        return os.environ["BERTH_RUNTIME_URL"]
    location = crn.split(":")[5]
    return derived(url, "quantum." if location == "us-east" else f"{location}.quantum.") + "/api/v1"


def iam_token(base, key):
    """R1: IAMTokenManager's form POST; the JWT must carry integer exp and iat."""
    if base.endswith("/identity/token"):
        base = base[: -len("/identity/token")]
    body = urllib.parse.urlencode(
        {
            "grant_type": "urn:ibm:params:oauth:grant-type:apikey",
            "apikey": key,
            "response_type": "cloud_iam",
        }
    ).encode()
    status, text = request(
        "POST",
        f"{base}/identity/token",
        {
            "Content-type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": SDK_UA,
        },
        body,
    )
    if not 200 <= status < 300:
        raise SetupError(f"{base}/identity/token answered {status}: {text[:200]}")
    token = json.loads(text)["access_token"]
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if not (isinstance(claims.get("exp"), int) and isinstance(claims.get("iat"), int)):
        raise SetupError("the access token has no integer exp and iat")
    print(f"  token from {base}/identity/token, valid {claims['exp'] - claims['iat']} s")
    return token


def list_instances(url, key):
    """R2 (Global Search, paged) and R3 (Global Catalog per item), as list_instances() does."""
    iam = os.environ.get("IAM_URL") or derived(url, "iam.")
    search = os.environ.get("GLOBAL_SEARCH_URL") or derived(url, "api.global-search-tagging.")
    catalog = os.environ.get("GLOBAL_CATALOG_URL") or derived(url, "globalcatalog.") + "/api/v1"
    try:
        token = iam_token(iam, key)
    except (SetupError, OSError) as err:
        raise SetupError(f"Unable to retrieve instances: {err}") from err
    found, cursor = [], None
    while True:
        body = {
            "query": "service_name:quantum-computing",
            "fields": ["crn", "service_plan_unique_id", "name", "doc", "tags"],
        }
        if cursor:
            body["search_cursor"] = cursor
        status, text = request(
            "POST",
            f"{search}/v3/resources/search?limit=100",
            {
                "Authorization": f"Bearer {token}",
                "content-type": "application/json",
                "Accept": "application/json",
                "User-Agent": PLATFORM_UA,
            },
            json.dumps(body).encode(),
        )
        if not 200 <= status < 300:
            raise SetupError(f"Unable to retrieve instances: {search} answered {status}")
        result = json.loads(text)
        for item in result.get("items", []):
            if not item.get("doc", {}).get("extensions"):
                continue
            status, text = request(
                "GET",
                f"{catalog}/{item.get('service_plan_unique_id')}",
                {"Authorization": f"Bearer {token}", "Accept": "application/json", "User-Agent": PLATFORM_UA},
            )
            entry = json.loads(text) if 200 <= status < 300 else {}
            plan = entry.get("overview_ui", {}).get("en", {}).get("display_name", "unknown")
            pricing = entry.get("metadata", {}).get("pricing", {}).get("type", "unknown")
            found.append(
                {
                    "crn": item["crn"],
                    "name": item["name"],
                    "plan": plan.lower(),
                    "pricing_type": pricing.lower(),
                    "tags": item.get("tags"),
                }
            )
        cursor = result.get("search_cursor")
        if not cursor:
            return found


def backends(url, crn, token):
    """The first runtime call: GET {runtime}/backends with the instance's Service-CRN."""
    base = runtime_url(url, crn)
    status, text = request(
        "GET",
        f"{base}/backends",
        {
            "IBM-API-Version": "2026-04-15",
            "Accept": "application/json",
            "X-Qx-Client-Application": "qiskit-ibm-runtime/check",
            "Authorization": f"Bearer {token}",
            "Service-CRN": crn,
        },
    )
    if status != 200:
        raise SetupError(f"{base}/backends answered {status}: {text[:200]}")
    return base, [d["name"] for d in json.loads(text)["devices"]]


def main(argv):
    if len(argv) not in (2, 3) or not os.environ.get("BERTH_TOKEN"):
        print(__doc__, file=sys.stderr)
        return 2
    url, wanted, key = argv[1], (argv[2] if len(argv) == 3 else None), os.environ["BERTH_TOKEN"]
    connect_to_override()
    print(f"QiskitRuntimeService(url={url!r}, instance={wanted!r}):")
    try:
        instances = list_instances(url, key)
        for i in instances:
            print(f"  instance {i['name']}: {i['crn']} (plan {i['plan']}, {i['pricing_type']}, tags {i['tags']})")
        if wanted is None or wanted == "auto":
            for i in instances:
                if i["pricing_type"] not in PRICING_ORDER:
                    raise SetupError(f"ValueError: '{i['pricing_type']}' is not in list")
            ordered = sorted(instances, key=lambda i: PRICING_ORDER.index(i["pricing_type"]))
            if not ordered:
                raise SetupError("No matching instances found")
            crn = ordered[-1]["crn"]  # the client switches through them; the last one stays
        elif wanted.startswith("crn:"):
            crn = wanted
        else:
            named = [i for i in instances if i["name"] == wanted]
            if not named:
                raise SetupError(f"The instance specified ({wanted}) is not a valid instance name.")
            crn = named[0]["crn"]
        if crn not in [i["crn"] for i in instances]:
            raise SetupError(f"The given API token has no access to the instance {crn}.")
        print(f"  acts in {crn}")
        if os.environ.get("IAM_URL"):
            runtime_token = iam_token(os.environ["IAM_URL"], key)
        else:
            raise SetupError(
                "IAM_URL is not set: qiskit-ibm-runtime would send this key to IBM's "
                "https://iam.cloud.ibm.com for every runtime call (and wait 60 s each time IBM "
                f"refuses it). Set IAM_URL={derived(url, 'iam.')}"
            )
        base, names = backends(url, crn, runtime_token)
        print(f"  runtime calls go to {base}; backends: {', '.join(names)}")
    except (SetupError, OSError, KeyError, ValueError) as err:
        print(f"  FAILED: {err}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
