# appmesh: a thin wrapper over CMake. `make` builds into build/; `make test` runs every test.
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

DEB_PACKAGES = liblua5.4-dev lua5.4 lua-cjson libcurl4-openssl-dev libmbedtls-dev libcjson-dev \
               lua-busted python3 python3-botocore cmake pkg-config libedit-dev openssl curl luarocks time \
               gcc make

.PHONY: all build compile deps check-deps report-deps test soak bench demo install clean format fuzz \
        memcheck

# Plain `make` installs nothing: it says which packages are missing and stops.
all: report-deps compile

# `make test` and `make demo` install what is missing first (needs root).
build: check-deps compile

compile:
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Install the Debian 12 packages the build and the tests need.
deps:
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "make deps: run as root (sudo make deps) to install: $(DEB_PACKAGES)" >&2; exit 1; \
	fi
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_PACKAGES)

MISSING_DEPS = for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done

# Quick check: run `make deps` only when a needed package is missing.
check-deps:
	@missing=$$($(MISSING_DEPS)); \
	if [ -n "$$missing" ]; then \
	  echo "missing packages:" $$missing; $(MAKE) --no-print-directory deps; \
	fi

report-deps:
	@missing=$$($(MISSING_DEPS)); \
	if [ -n "$$missing" ]; then \
	  echo "missing packages:" $$missing "(run: sudo make deps)" >&2; exit 1; \
	fi

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The soak test at full length: 20,000 calls with 5% random faults (make test runs 5,000).
soak: build
	@cd $(BUILD) && APPMESH_SOAK=20000 ctest --output-on-failure -R '^soak$$'

# The local App Mesh emulator with a demo mesh, examples/demo.lua against it, then it stops.
demo: build
	@sh examples/run_demo.sh $(BUILD)

# What `make bench` needs beyond DEB_PACKAGES: the loopback server of the HTTP benchmarks
# (nginx-light pulls nginx) and its echo module (the slow server of bench_concurrent.sh's
# latency figures), and Debian's AWS CLI v2 (bench_shell.sh's `aws appmesh` beside `appmesh`),
# installed by the same check (needs root when missing).
BENCH_PACKAGES = nginx-light libnginx-mod-http-echo awscli
# make fuzz needs clang with libFuzzer; make memcheck needs valgrind (installed on demand).
FUZZ_PACKAGES = clang libclang-rt-14-dev
MEMCHECK_PACKAGES = valgrind

bench:
	@$(MAKE) --no-print-directory check-deps DEB_PACKAGES="$(DEB_PACKAGES) $(BENCH_PACKAGES)"
	@cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DAPPMESH_SANITIZE=OFF >/dev/null
	@cmake --build build-bench -j $(JOBS)
	@sh tests/bench/run.sh build-bench

# The fuzz targets (tests/fuzz) under libFuzzer with ASan+UBSan, FUZZ_TIME seconds each; new
# inputs go to build-fuzz/fuzz-corpus (the checked-in corpus only seeds them). Needs clang 14
# and libclang-rt-14-dev.
FUZZ_TIME ?= 60
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer
fuzz:
	@$(MAKE) --no-print-directory check-deps DEB_PACKAGES="$(DEB_PACKAGES) $(FUZZ_PACKAGES)"
	@CC=$(or $(FUZZ_CC),clang) cmake -S . -B build-fuzz -DAPPMESH_FUZZ=ON -DAPPMESH_SANITIZE=OFF \
	  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="$(FUZZ_CFLAGS)" >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	@sh tests/fuzz/run.sh build-fuzz $(FUZZ_TIME)

# The C tests and a Lua script against the emulator under valgrind (no ASan), zero errors and
# zero leaks; suppressions for libraries we do not own are in tests/memcheck/.
memcheck:
	@$(MAKE) --no-print-directory check-deps DEB_PACKAGES="$(DEB_PACKAGES) $(MEMCHECK_PACKAGES)"
	@cmake -S . -B build-memcheck -DAPPMESH_MEMCHECK=ON -DAPPMESH_SANITIZE=OFF \
	  -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-memcheck -j $(JOBS)
	@cd build-memcheck && ctest --output-on-failure -j $(JOBS) -L memcheck

install: build
	cmake --install $(BUILD) --prefix $(or $(PREFIX),/usr/local)

format:
	clang-format -i core/src/*.c core/src/*.h core/include/appmesh/*.h tests/core/*.c tests/core/*.h \
	  bindings/lua/*.c bindings/lua/*.h bindings/host/*.c bindings/host/*.h examples/*.c tests/bench/*.c

clean:
	rm -rf $(BUILD) build-bench
