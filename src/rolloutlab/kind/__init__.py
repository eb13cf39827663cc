"""A kind cluster made on this machine from what it can build: kind and Kubernetes from the Go module proxy, the
node image assembled as kind does, a registry from Debian's package. It builds on the sandbox's binaries and on
`images/`; only the CLI and the course tooling use it."""
