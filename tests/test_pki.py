"""The sandbox's certificates: each identity is signed by the one CA, with the names and uses it needs."""

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from rolloutlab.sandbox import pki


def _load(folder, name):
    return x509.load_pem_x509_certificate((folder / f"{name}.crt").read_bytes())


def test_every_identity_is_signed_by_the_ca_with_its_groups_and_uses(tmp_path):
    """Kubelets are system:node:<name> in system:nodes; serving certificates name the node's address."""
    identities = pki.cluster_identities(nodes={"node-1": "10.244.1.1"}, service_ip="10.96.0.1")
    made = pki.ensure(tmp_path, identities)
    assert made[0] == "ca"
    ca = _load(tmp_path, "ca")
    for identity in identities:
        cert = _load(tmp_path, identity.file)
        ca.public_key().verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                               cert.signature_hash_algorithm)  # fmt: skip
        assert (tmp_path / f"{identity.file}.key").stat().st_mode & 0o777 == 0o600
    client = _load(tmp_path, "kubelet-node-1")
    assert client.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:node-1"
    assert client.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:nodes"
    serving = _load(tmp_path, "kubelet-node-1-serving")
    usages = serving.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.SERVER_AUTH]
    names = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["10.244.1.1"]
    admin = _load(tmp_path, "admin")
    admin_names = admin.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "10.96.0.1" in [str(ip) for ip in admin_names.get_values_for_type(x509.IPAddress)]


def test_ensure_keeps_what_exists(tmp_path):
    """A second run makes nothing: the CA and certificates the cluster already trusts stay as they are."""
    identities = pki.cluster_identities(nodes={"node-1": "10.244.1.1"}, service_ip="10.96.0.1")
    pki.ensure(tmp_path, identities)
    before = (tmp_path / "ca.crt").read_bytes()
    assert pki.ensure(tmp_path, identities) == []
    assert (tmp_path / "ca.crt").read_bytes() == before
