"""The sandbox's certificates: one CA for the whole cluster, and a certificate per identity signed by it.

kwokctl keeps a `pki/` folder it finds instead of making its own, so the sandbox writes it first: the files
kwokctl expects (`ca`, `admin`), plus what real nodes need. Every kubelet proves itself to the apiserver as
`system:node:<name>` (the Node authorizer's group), serves on its bridge address with a certificate the apiserver
checks, and accepts only clients whose certificate the same CA signed: no anonymous access.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=3650)
# The names kwokctl gives the apiserver's certificate, and the first address of the sandbox's Service range.
APISERVER_NAMES = ("kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
                   "localhost", "127.0.0.1", "::1")  # fmt: skip


@dataclass(frozen=True)
class Identity:
    """A certificate to make: its file name (without .crt/.key), who it names, and where it may serve."""

    file: str
    common_name: str
    organizations: tuple[str, ...] = ()
    server_names: tuple[str, ...] = ()
    client: bool = True

    @property
    def server(self) -> bool:
        return bool(self.server_names)


def cluster_identities(*, nodes: dict[str, str], service_ip: str) -> list[Identity]:
    """Everything the sandbox signs: `nodes` maps a node's name to its address (its bridge's)."""
    found = [
        # kwokctl's apiserver serves with `admin` and the admin kubeconfig uses it too, as kwokctl does.
        Identity("admin", "kwok-admin", ("system:masters",), (*APISERVER_NAMES, service_ip)),
        Identity("apiserver-kubelet-client", "kube-apiserver-kubelet-client", ("system:masters",)),
        # Bound to the system:node-proxier role by Kubernetes' default RBAC.
        Identity("kube-proxy", "system:kube-proxy"),
    ]
    for name, address in nodes.items():
        found.append(Identity(f"kubelet-{name}", f"system:node:{name}", ("system:nodes",)))
        found.append(Identity(f"kubelet-{name}-serving", f"system:node:{name}", ("system:nodes",),
                              (name, address), client=False))  # fmt: skip
    return found


def _new_key() -> rsa.RSAPrivateKey:
    # RSA, as kwokctl uses: the apiserver also signs service account tokens with the admin key.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, organizations: tuple[str, ...] = ()) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
    return x509.Name([*parts, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(folder: Path, file: str, *, cert: x509.Certificate, key: rsa.RSAPrivateKey) -> None:
    key_path = folder / f"{file}.key"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    (folder / f"{file}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _san(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def make_ca(folder: Path, *, now: datetime.datetime) -> None:
    key = _new_key()
    name = _name("rolloutlab-sandbox-ca")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write(folder, "ca", cert=cert, key=key)


def sign(folder: Path, identity: Identity, *, now: datetime.datetime) -> None:
    """Write `<file>.crt` and `<file>.key` for `identity`, signed by the CA in `folder`."""
    ca_cert = x509.load_pem_x509_certificate((folder / "ca.crt").read_bytes())
    ca_key = serialization.load_pem_private_key((folder / "ca.key").read_bytes(), password=None)
    assert isinstance(ca_key, rsa.RSAPrivateKey)
    key = _new_key()
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH] if identity.client else []
    if identity.server:
        usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(identity.common_name, identity.organizations))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    )
    if identity.server:
        builder = builder.add_extension(_san(identity.server_names), critical=False)
    _write(folder, identity.file, cert=builder.sign(ca_key, hashes.SHA256()), key=key)


def ensure(folder: Path, identities: list[Identity]) -> list[str]:
    """Make the CA if there is none, and every missing certificate; returns the files made."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    made = []
    if not (folder / "ca.crt").exists():
        make_ca(folder, now=now)
        made.append("ca")
    for identity in identities:
        if not (folder / f"{identity.file}.crt").exists():
            sign(folder, identity, now=now)
            made.append(identity.file)
    return made
