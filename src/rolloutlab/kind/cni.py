"""The pod network of our kind nodes. kind's own CNI (kindnetd) is a separate module that the Go module proxy does
not serve, so the node image carries this small one instead, at the path kind installs from.

What it does is what kindnetd does for IPv4: on each node a DaemonSet pod (host network) writes a `ptp` +
`host-local` CNI configuration for the node's pod range, and routes every other node's pod range through that
node's address on kind's docker network. Nothing is masqueraded: pods reach each other, Services and the
apiserver; traffic leaving kind's network is not routed anywhere.
"""

from __future__ import annotations

import json

CONFIG_FILE = "/etc/cni/net.d/10-rolloutlab.conflist"


def conflist(*, subnet: str) -> str:
    """The CNI configuration for one node whose pod range is `subnet`."""
    return json.dumps(
        {
            "cniVersion": "0.3.1",
            "name": "rolloutlab",
            "plugins": [
                {
                    "type": "ptp",
                    "ipMasq": False,
                    "mtu": 1500,
                    "ipam": {"type": "host-local", "ranges": [[{"subnet": subnet}]], "routes": [{"dst": "0.0.0.0/0"}]},
                },
                {"type": "portmap", "capabilities": {"portMappings": True}},
            ],
        }
    )


# Runs in the node's network namespace. kind gives it CONTROL_PLANE_ENDPOINT (see "kindly patch" below), so it
# needs no Service (kube-proxy may not be up yet when the network is first made).
DAEMON_SCRIPT = r"""set -u
sa=/var/run/secrets/kubernetes.io/serviceaccount
template='__CONFLIST__'
while true; do
  fields='{.metadata.name}{" "}{.spec.podCIDR}{" "}{.status.addresses[?(@.type=="InternalIP")].address}'
  if kubectl --server="https://${CONTROL_PLANE_ENDPOINT}" --certificate-authority="$sa/ca.crt" \
      --token="$(cat "$sa/token")" get nodes -o "jsonpath={range .items[*]}${fields}{\"\\n\"}{end}" \
      > /tmp/nodes; then
    while read -r name cidr address; do
      [ -n "$cidr" ] && [ -n "$address" ] || continue
      if [ "$name" = "$NODE_NAME" ]; then
        printf '%s\n' "${template//__SUBNET__/$cidr}" > /etc/cni/net.d/.next
        cmp -s /etc/cni/net.d/.next __FILE__ || mv /etc/cni/net.d/.next __FILE__
      else
        ip route replace "$cidr" via "$address"
      fi
    done < /tmp/nodes
  fi
  sleep 5
done
"""


def daemon_script() -> str:
    return DAEMON_SCRIPT.replace("__CONFLIST__", conflist(subnet="__SUBNET__")).replace("__FILE__", CONFIG_FILE)


def manifest(*, image: str) -> str:
    """The manifest kind applies at `/kind/manifests/default-cni.yaml`. The comment line asks kind to add the
    apiserver's address to the first container's environment (kind does this for kindnetd)."""
    script = json.dumps(daemon_script())
    return f"""# would you kindly patch this file
apiVersion: v1
kind: ServiceAccount
metadata:
  name: rolloutlab-cni
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: rolloutlab-cni
rules:
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["list", "get", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: rolloutlab-cni
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: rolloutlab-cni
subjects:
- kind: ServiceAccount
  name: rolloutlab-cni
  namespace: kube-system
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: rolloutlab-cni
  namespace: kube-system
  labels:
    app: rolloutlab-cni
spec:
  selector:
    matchLabels:
      app: rolloutlab-cni
  template:
    metadata:
      labels:
        app: rolloutlab-cni
    spec:
      hostNetwork: true
      serviceAccountName: rolloutlab-cni
      tolerations:
      - operator: Exists
      containers:
      - name: cni
        image: {image}
        imagePullPolicy: IfNotPresent
        command: ["/bin/bash", "-c", {script}]
        env:
        - name: NODE_NAME
          valueFrom:
            fieldRef:
              fieldPath: spec.nodeName
        securityContext:
          privileged: true
        resources:
          requests:
            cpu: 10m
            memory: 20Mi
        volumeMounts:
        - name: cni-config
          mountPath: /etc/cni/net.d
      volumes:
      - name: cni-config
        hostPath:
          path: /etc/cni/net.d
          type: DirectoryOrCreate
"""
