module libengage.dev/engage/bench/abi

go 1.19

require libengage.dev/engage v0.0.0

replace libengage.dev/engage => ../../../bindings/go
