"""Course tooling for instructors and CI: `validate`, the site, per-student namespaces, other clusters, JupyterLab,
benchmarks. The top layer: it may import every other subpackage, and none imports it."""
