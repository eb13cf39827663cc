"""Images, wherever the cluster is: the OCI registry's HTTP client, the Docker engine's SDK client and the choice of
a base image. The lab and the sandbox both use it; it imports neither."""
