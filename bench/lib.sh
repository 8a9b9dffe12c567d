# Helpers shared by the bench scripts (sourced, not run).

# A free TCP port on loopback.
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# Waits up to SECONDS (10) for something to accept on 127.0.0.1:PORT.
wait_port() {  # port [seconds]
  for _ in $(seq 1 $(( ${2:-10} * 20 ))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $1" >&2
  return 1
}

# Writes PREFIX/nginx.conf for nginx-rtmp on 127.0.0.1:PORT (one worker,
# chunk_size 4096, application "live") sized for MAX_N players, and makes
# PREFIX/logs. Start it with: nginx -p PREFIX -c PREFIX/nginx.conf -e PREFIX/logs/error.log
NGINX_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
write_nginx_rtmp_conf() {
  local pfx=$1 port=$2 max_n=$3
  mkdir -p "$pfx/logs"
  cat >"$pfx/nginx.conf" <<CONF
load_module $NGINX_MODULE;
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile $(( max_n * 2 + 1024 ));
error_log $pfx/logs/error.log warn;
pid $pfx/nginx.pid;
events { worker_connections $(( max_n * 2 + 1024 )); }
rtmp {
    server {
        listen 127.0.0.1:$port;
        chunk_size 4096;
        application live { live on; }
    }
}
CONF
}
