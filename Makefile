# cell — the two commands a fresh Debian 12 machine needs, as root:
#   make demo    install what is needed, build, run the isolation tour
#   make check   install, build, run every test (unit, integration, v2 VM,
#                sanitizers, fuzz smoke)
# and the usual: make (build into build/), make install, make bench, make fuzz.

BUILD   ?= build
PREFIX  ?= /usr/local
# Two builds of one source (docs/DEVELOPING.md, "Two builds"):
#   $(BUILD)/cell       the runtime: static, musl -- what is run and installed
#   $(BUILD)/full/cell  the full runtime: glibc, dynamic; the static one hands
#                       it the commands that need libsystemd, libnftables or
#                       libmnl (installed as libexec/cell/cell); unit tests
FULL    := $(BUILD)/full
CELL    := $(CURDIR)/$(BUILD)/cell
# gcc with Debian's musl (musl-tools), linking static-pie: musl-gcc's own
# specs link a dynamic PIE against /lib/ld-musl-*.so.1.
MUSL_TRIPLET := $(shell gcc -dumpmachine | sed 's/-gnu$$/-musl/')
MUSL_SPECS   := /usr/lib/$(MUSL_TRIPLET)/musl-gcc.specs

# Debian packages: build, test and demo dependencies (apt-get only).
# The engines (docker.io, containerd) are test dependencies: the tests start
# their own daemons with private state.  Their services are kept from
# starting at install (policy-rc.d), so the host gets no docker0 or daemon.
# apparmor: apparmor_parser, which dockerd needs to load its docker-default
# profile where the kernel has AppArmor on (the systemd VM's kernel does).
PKGS := gcc meson ninja-build pkg-config libjansson-dev libseccomp-dev \
        libcap-dev libmnl-dev libnftables-dev libcmocka-dev bats jq \
        busybox-static iproute2 uidmap procps python3 clang \
        libclang-rt-14-dev runc time podman nftables go-md2man \
        zstd xz-utils slirp4netns \
        docker.io containerd crun iptables umoci skopeo \
        libsystemd-dev systemd dbus dbus-user-session apparmor \
        python3-grpcio python3-grpc-tools valgrind \
        containernetworking-plugins libc6-dev musl-tools

.PHONY: all build deps demo check install bench fuzz clean unit integration

all: build

build: $(BUILD)/build.ninja $(FULL)/build.ninja
	@[ -f $(BUILD)/musl-static-pie.specs ] || \
		echo "note: $(BUILD)/ was set up before the static build (glibc): make clean && make"
	ninja -C $(FULL)
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	@[ -f $(MUSL_SPECS) ] || { echo "no $(MUSL_SPECS): apt-get install musl-tools (make deps)"; exit 1; }
	mkdir -p $(BUILD)
	sed -e 's|/Scrt1\.o|/rcrt1.o|' \
	    -e 's|-dynamic-linker [^ ]*|%{!nostdlib:-static -pie --no-dynamic-linker -z text}|' \
	    $(MUSL_SPECS) >$(BUILD)/musl-static-pie.specs
	CC="gcc -specs=$(CURDIR)/$(BUILD)/musl-static-pie.specs" meson setup $(BUILD) \
	    -Dtests=disabled -Dtest_hooks=true -Dfull_runtime=$(CURDIR)/$(FULL)/cell

$(FULL)/build.ninja: $(BUILD)/build.ninja
	meson setup $(FULL) -Dtest_hooks=true

deps:
	@missing=$$(for p in $(PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		guard=; if [ ! -e /usr/sbin/policy-rc.d ]; then guard=1; \
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; \
			chmod 755 /usr/sbin/policy-rc.d; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		rc=$$?; [ -z "$$guard" ] || rm -f /usr/sbin/policy-rc.d; \
		[ $$rc -eq 0 ]; \
	fi

demo: deps build
	CELL=$(CELL) sh scripts/demo.sh

check: deps build
	CELL=$(CELL) BUILD=$(BUILD) FULL=$(FULL) sh tests/run-all.sh

unit: build
	meson test -C $(FULL) --suite unit --print-errorlogs

integration: build
	CELL=$(CELL) bats tests/integration

install: deps build
	install -D -m 0755 $(BUILD)/cell $(DESTDIR)$(PREFIX)/bin/cell
	install -D -m 0755 $(FULL)/cell $(DESTDIR)$(PREFIX)/libexec/cell/cell
	mkdir -p $(DESTDIR)$(PREFIX)/share/man/man1
	go-md2man -in docs/cell.1.md -out $(DESTDIR)$(PREFIX)/share/man/man1/cell.1
	@if [ -f contrib/bash-completion/cell ]; then \
		install -D -m 0644 contrib/bash-completion/cell \
			$(DESTDIR)$(PREFIX)/share/bash-completion/completions/cell; fi

bench: deps build
	CELL=$(CELL) sh bench/lifecycle.sh

fuzz: deps
	sh tests/fuzz/run.sh $${FUZZ_SECONDS:-300}

clean:
	rm -rf $(BUILD) build-asan build-fuzz
