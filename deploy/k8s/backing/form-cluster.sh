#!/bin/sh
# Forms the cluster once: 3 masters with a replica each, from the six pods' addresses. Does
# nothing when the first node already knows others (the Job may run again).
set -eu
n=redis-cluster.${NAMESPACE}.svc.cluster.local
addrs=""
for i in 0 1 2 3 4 5; do
  until ip=$(getent hosts "redis-$i.$n" | awk '{print $1}') && [ -n "$ip" ] &&
        redis-cli -h "$ip" ping | grep -q PONG; do sleep 2; done
  addrs="$addrs $ip:6379"
done
if ! redis-cli -h "redis-0.$n" cluster info | grep -q '^cluster_known_nodes:1\b'; then
  echo "the cluster is formed already"; exit 0
fi
# shellcheck disable=SC2086 # one argument per address
redis-cli --cluster create $addrs --cluster-replicas 1 --cluster-yes
