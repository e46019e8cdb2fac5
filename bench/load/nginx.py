"""Debian's nginx in front of several local app nodes, as ``deploy/nginx-upstream.conf`` configures it (its upstream
block, with loopback ports) — for the multi-node test and ``python -m bench.load --municipalities``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CONF = """
daemon off;
worker_processes 1;
{user}
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {work}/nginx-access.log;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    client_max_body_size 25m;
{upstream}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://piaops;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_connect_timeout 2s;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
        }}
    }}
}}
"""


def upstream(ports: list[int]) -> str:
    """The upstream block of deploy/nginx-upstream.conf with the example servers replaced by loopback ports."""
    text = (ROOT / "deploy" / "nginx-upstream.conf").read_text(encoding="utf-8")
    start = text.index("upstream piaops")
    block = text[start : text.index("}", start) + 1]
    servers = iter(ports)
    return re.sub(r"server 10\.0\.0\.\d+:8000", lambda _: f"server 127.0.0.1:{next(servers)}", block)


def start(work: Path, *, port: int, node_ports: list[int]) -> subprocess.Popen[bytes]:
    """nginx on ``127.0.0.1:port`` balancing ``node_ports`` round-robin; files under ``work``; stop with terminate()."""
    conf = work / "nginx.conf"
    conf.write_text(
        CONF.format(
            work=work, port=port, user="user root;" if os.geteuid() == 0 else "", upstream=upstream(node_ports)
        ),
        encoding="utf-8",
    )
    return subprocess.Popen(
        [NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "nginx-error.log")],
        stdout=subprocess.DEVNULL,
        stderr=(work / "nginx-start.log").open("wb"),
    )
