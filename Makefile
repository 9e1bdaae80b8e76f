# `make` builds the replica the graded simulator runs (./3700kvstore);
# `make demo` serves the browser app; `make web` builds it into dist/ (what
# `kvsim --view` serves); `make test` runs every test.
# `demo` and `test` first install whatever is missing (scripts/setup.sh).

CARGO ?= cargo
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: all demo web test bench clean

all: 3700kvstore

3700kvstore: FORCE
	$(CARGO) build --release -p replica
	cp target/release/3700kvstore ./3700kvstore

demo:
	scripts/setup.sh demo
	cargo fetch --target wasm32-unknown-unknown
	trunk serve --release --offline

web:
	scripts/setup.sh demo
	cargo fetch --target wasm32-unknown-unknown
	trunk build --release --offline
	$(CARGO) build --release -p harness

test:
	scripts/setup.sh test
	scripts/test.sh

bench:
	$(CARGO) run --release -p raft-core --example bench

clean:
	$(CARGO) clean
	rm -rf dist 3700kvstore

FORCE:
