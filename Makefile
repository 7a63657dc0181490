# SPDX-License-Identifier: BSD-2-Clause
# cognito-identity-gateway: build, test and run.
#
#   make deps      install the Debian packages that are missing (root, apt-get)
#   make           build the nginx module against Debian's nginx-dev
#   make asan      the same module with AddressSanitizer and UBSan
#   make unit      the core's unit tests (no server needed)
#   make test      everything, then the whole suite, plain and sanitized
#   make run       start nginx on the development example (see README)
#   make stop      stop it
#   make bench     the benchmark: bench/run.sh (bench/README.md), < 10 min
#   make install   install modules, their snippets and the simulator into
#                  Debian's locations (DESTDIR, PREFIX); make uninstall
#   make deb       Debian packages (dpkg-buildpackage -b) into build/deb/

SHELL        := /bin/bash
ROOT         := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD        := $(ROOT)/build
NGX_SRC      ?= /usr/share/nginx/src
NGINX        ?= /usr/sbin/nginx
MODULE       := ngx_http_cognito_identity_module.so
CC           ?= cc

CORE_SRCS    := $(wildcard core/*.c)
CORE_HDRS    := core/include/cig.h $(wildcard core/*.h)
NGX_SRCS     := $(wildcard ngx_http_cognito_identity_module/*.c \
                           ngx_http_cognito_identity_module/*.h)
UNIT_SRCS    := $(wildcard t/unit/*.c t/unit/*.h)

# Debian's own flags for nginx modules (nginx -V), plus ours; nginx adds
# -W -Wall -Werror itself.
NGX_CC_OPT   := -g -O2 -fstack-protector-strong -Wformat \
                -Werror=format-security -fPIC -D_FORTIFY_SOURCE=2 -Wextra \
                -Wno-unused-parameter
NGX_LD_OPT   := -Wl,-z,relro -Wl,-z,now -fPIC
SAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=undefined

CORE_CFLAGS  := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
                -Wstrict-prototypes -Wmissing-prototypes -g -O1 \
                -Icore/include -Icore

LIBASAN      := $(shell $(CC) -print-file-name=libasan.so)

# Flags added to the shipped builds (the nginx module, the Apache module and
# the simulator, not the sanitized or unit builds): debian/rules passes
# dpkg-buildflags' CFLAGS/CPPFLAGS and LDFLAGS here.
EXTRA_CFLAGS  ?=
EXTRA_LDFLAGS ?=

DEB_PACKAGES := build-essential nginx nginx-dev libssl-dev openssl perl \
                curl python3 python3-jwt clang libclang-rt-14-dev \
                apache2 apache2-dev libcurl4-openssl-dev awscli \
                python3-boto3 python3-botocore wrk gnuplot-nox valgrind \
                debhelper dpkg-dev fakeroot lintian libpcre2-dev

PROVE        := prove -I t/lib -r t/

.PHONY: all deps module asan unit simulate valgrind soak test test-plain test-asan \
        fuzz fuzz-smoke run stop clean apache apache-asan bench install \
        install-nginx install-apache install-tools uninstall deb

all: module

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
	        | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends $$missing; \
	else \
	    echo "all Debian packages present"; \
	fi

# $(1): build directory, $(2): extra compiler flags, $(3): extra linker flags
define ngx_module_build
	@mkdir -p $(1)
	@if [ ! -f $(1)/nginx/objs/Makefile ] \
	    || [ config -nt $(1)/nginx/objs/Makefile ]; then \
	    rm -rf $(1)/nginx && cp -r $(NGX_SRC) $(1)/nginx && \
	    cd $(1)/nginx && source ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="$(NGX_CC_OPT) $(2)" \
	        --with-ld-opt="$(NGX_LD_OPT) $(3)" \
	        --add-dynamic-module=$(ROOT) > $(1)/configure.log 2>&1 \
	    || { cat $(1)/configure.log; exit 1; }; \
	fi
	$(MAKE) -s -C $(1)/nginx -f objs/Makefile modules
	@# a core file missing from ./config would only fail at load_module
	@if nm -D --undefined-only $(1)/nginx/objs/$(MODULE) | grep -w 'cig_.*'; \
	then echo "undefined core symbols: add their files to ./config"; exit 1; fi
	@# a new file renamed into place: a running server keeps the old one
	cp $(1)/nginx/objs/$(MODULE) $(1)/$(MODULE).new
	mv -f $(1)/$(MODULE).new $(1)/$(MODULE)
endef

module: $(BUILD)/$(MODULE)

$(BUILD)/$(MODULE): config $(CORE_SRCS) $(CORE_HDRS) $(NGX_SRCS)
	$(call ngx_module_build,$(BUILD),$(EXTRA_CFLAGS),$(EXTRA_LDFLAGS))

asan: $(BUILD)/asan/$(MODULE)

$(BUILD)/asan/$(MODULE): config $(CORE_SRCS) $(CORE_HDRS) $(NGX_SRCS)
	$(call ngx_module_build,$(BUILD)/asan,$(SAN_FLAGS),$(SAN_FLAGS))

unit: $(BUILD)/unit/cig-unit $(BUILD)/unit-asan/cig-unit simulate \
        $(BUILD)/unit-asan/cognito-identity-simulate

# the policy simulator, built from the same core as the servers
simulate: $(BUILD)/cognito-identity-simulate

SIM_SRCS := tools/cognito-identity-simulate.c tools/simulate_nginx.c \
            tools/nginx_conf.c

$(BUILD)/cognito-identity-simulate: $(CORE_SRCS) $(CORE_HDRS) $(SIM_SRCS) \
        tools/simulate_nginx.h tools/nginx_conf.h
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(EXTRA_CFLAGS) -D_GNU_SOURCE -o $@ $(CORE_SRCS) \
	    $(SIM_SRCS) $(EXTRA_LDFLAGS) -lpcre2-8 -lcrypto -lm

# the same with AddressSanitizer + UBSan, for the sanitized test run
$(BUILD)/unit-asan/cognito-identity-simulate: $(CORE_SRCS) $(CORE_HDRS) \
        $(SIM_SRCS) tools/simulate_nginx.h tools/nginx_conf.h
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(SAN_FLAGS) -D_GNU_SOURCE -o $@ $(CORE_SRCS) \
	    $(SIM_SRCS) -lpcre2-8 -lcrypto -lm

$(BUILD)/unit/cig-unit: $(CORE_SRCS) $(CORE_HDRS) $(UNIT_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -o $@ $(CORE_SRCS) $(filter %.c,$(UNIT_SRCS)) \
	    -lcrypto -lm

$(BUILD)/unit-asan/cig-unit: $(CORE_SRCS) $(CORE_HDRS) $(UNIT_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(SAN_FLAGS) -o $@ $(CORE_SRCS) \
	    $(filter %.c,$(UNIT_SRCS)) -lcrypto -lm

test: deps module asan unit apache apache-asan deb
	$(MAKE) -s fuzz-smoke
	$(MAKE) -s test-plain
	$(MAKE) -s test-asan

# the nginx and Apache suites with nginx and apache2 themselves under
# valgrind: no definite leak may remain but the servers' own, listed in
# t/valgrind.supp (slow: not in make test)
valgrind: deps module apache
	CIG_VALGRIND=1 prove -I t/lib -r t/nginx t/apache

# nginx and Apache (ASan+UBSan builds) at saturation under wrk with valid and
# hostile traffic for SOAK_SECONDS (default 600): no unexpected status, no
# crash, flat RSS, no sanitizer report (t/soak/soak.pl; not in make test)
SOAK_SECONDS ?= 600
soak: deps asan apache-asan
	CIG_MODULE=$(BUILD)/asan/$(MODULE) CIG_PRELOAD=$(LIBASAN) \
	CIG_ASAN_EXTRA=quarantine_size_mb=16 UBSAN_OPTIONS=print_stacktrace=1 \
	SOAK_SECONDS=$(SOAK_SECONDS) perl -I t/lib t/soak/soak.pl

# libFuzzer targets of every parser: a long run, and the short CI smoke
fuzz:
	fuzz/run.sh 120

fuzz-smoke:
	@echo "== fuzz smoke: every target briefly, every regression input"
	fuzz/run.sh 5

test-plain:
	@echo "== test suite, plain build"
	$(PROVE)

test-asan:
	@echo "== test suite, AddressSanitizer + UBSan build"
	CIG_MODULE=$(BUILD)/asan/$(MODULE) CIG_PRELOAD=$(LIBASAN) \
	CIG_UNIT=$(BUILD)/unit-asan/cig-unit \
	CIG_SIMULATE=$(BUILD)/unit-asan/cognito-identity-simulate \
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(PROVE)

# The Apache httpd module: apxs from Debian's apache2-dev, the core compiled
# in; the sanitized one is for LD_PRELOAD runs of Debian's apache2, as for
# nginx (t/lib/CigApache.pm picks it when CIG_PRELOAD is set).
APXS          ?= apxs
APACHE_MODULE := mod_cognito_identity.so
APACHE_SRCS   := $(wildcard apache_mod/*.c apache_mod/*.h)
APACHE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
                 -Wshadow -Wpointer-arith
APACHE_SAN    := -fsanitize=address -fsanitize=undefined \
                 -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# $(1): build directory, $(2): extra compiler flags, $(3): extra libraries,
# $(4): extra linker flags (each passed to libtool as -Wl,<flag>)
define apache_module_build
	@rm -rf $(1)/apache-src && mkdir -p $(1)/apache-src
	@cp core/*.c core/*.h core/include/cig.h apache_mod/*.c apache_mod/*.h \
	    $(1)/apache-src/
	@cd $(1)/apache-src && $(APXS) -c -o mod_cognito_identity.la \
	    $(foreach f,$(APACHE_CFLAGS) $(2),-Wc,$(f)) \
	    $(foreach f,$(4),-Wl,$(f)) *.c -lcrypto -lcurl $(3) \
	    > build.log 2>&1 || { cat build.log; exit 1; }
	@if nm -D --undefined-only $(1)/apache-src/.libs/$(APACHE_MODULE) \
	    | grep -w 'cig_.*\|mci_.*'; then echo "undefined symbols"; exit 1; fi
	cp $(1)/apache-src/.libs/$(APACHE_MODULE) $(1)/$(APACHE_MODULE).new
	mv -f $(1)/$(APACHE_MODULE).new $(1)/$(APACHE_MODULE)
endef

apache: $(BUILD)/$(APACHE_MODULE)

$(BUILD)/$(APACHE_MODULE): $(CORE_SRCS) $(CORE_HDRS) $(APACHE_SRCS)
	$(call apache_module_build,$(BUILD),$(EXTRA_CFLAGS),,$(EXTRA_LDFLAGS))

apache-asan: $(BUILD)/asan/$(APACHE_MODULE)

$(BUILD)/asan/$(APACHE_MODULE): $(CORE_SRCS) $(CORE_HDRS) $(APACHE_SRCS)
	$(call apache_module_build,$(BUILD)/asan,$(APACHE_SAN),-lasan -lubsan)

# ---------------------------------------------------------------- install
# The files and places of the Debian packages (debian/): make install is
# what debian/rules runs into debian/tmp.  Nothing is enabled here: the
# packages' maintainer scripts do that (see README, "Install").
PREFIX       ?= /usr
DESTDIR      ?=
SYSCONFDIR   ?= /etc
BINDIR       ?= $(PREFIX)/bin
MANDIR       ?= $(PREFIX)/share/man
DOCDIR       ?= $(PREFIX)/share/doc
NGX_MODDIR   ?= $(PREFIX)/lib/nginx/modules
NGX_AVAILDIR ?= $(PREFIX)/share/nginx/modules-available
APACHE_MODDIR ?= $(PREFIX)/lib/apache2/modules
APACHE_AVAILDIR ?= $(SYSCONFDIR)/apache2/mods-available
NGX_PKG      := libnginx-mod-http-cognito-identity
APACHE_PKG   := libapache2-mod-cognito-identity
TOOLS_PKG    := cognito-identity-tools
NGX_SNIPPET  := mod-http-cognito-identity.conf
# Debian's nginx resolves "modules/" to /usr/lib/nginx/modules (through the
# /usr/share/nginx/modules link), as Debian's own snippets say; elsewhere
# the snippet names the absolute path.
NGX_LOAD_PATH := $(if $(filter /usr/lib/nginx/modules,$(NGX_MODDIR)),modules/$(MODULE),$(NGX_MODDIR)/$(MODULE))
INSTALL      ?= install

install: install-nginx install-apache install-tools

install-nginx: $(BUILD)/$(MODULE)
	$(INSTALL) -d $(DESTDIR)$(NGX_MODDIR) $(DESTDIR)$(NGX_AVAILDIR) \
	    $(DESTDIR)$(DOCDIR)/$(NGX_PKG)/examples
	$(INSTALL) -m 0644 $(BUILD)/$(MODULE) $(DESTDIR)$(NGX_MODDIR)/$(MODULE)
	echo 'load_module $(NGX_LOAD_PATH);' \
	    > $(DESTDIR)$(NGX_AVAILDIR)/$(NGX_SNIPPET)
	chmod 0644 $(DESTDIR)$(NGX_AVAILDIR)/$(NGX_SNIPPET)
	$(INSTALL) -m 0644 README.md SECURITY.md docs/nginx.md \
	    $(DESTDIR)$(DOCDIR)/$(NGX_PKG)/
	$(INSTALL) -m 0644 examples/aws/gateway.conf \
	    examples/aws/cognito-identity-api.conf \
	    examples/aws/identity-pool-roles.json examples/s3/nginx.conf \
	    $(DESTDIR)$(DOCDIR)/$(NGX_PKG)/examples/
	mv $(DESTDIR)$(DOCDIR)/$(NGX_PKG)/examples/nginx.conf \
	    $(DESTDIR)$(DOCDIR)/$(NGX_PKG)/examples/s3-nginx.conf

install-apache: $(BUILD)/$(APACHE_MODULE)
	$(INSTALL) -d $(DESTDIR)$(APACHE_MODDIR) $(DESTDIR)$(APACHE_AVAILDIR) \
	    $(DESTDIR)$(DOCDIR)/$(APACHE_PKG)/examples
	$(INSTALL) -m 0644 $(BUILD)/$(APACHE_MODULE) \
	    $(DESTDIR)$(APACHE_MODDIR)/$(APACHE_MODULE)
	sed 's|@APACHE_MODDIR@|$(APACHE_MODDIR)|' debian/cognito_identity.load.in \
	    > $(DESTDIR)$(APACHE_AVAILDIR)/cognito_identity.load
	$(INSTALL) -m 0644 debian/cognito_identity.conf \
	    $(DESTDIR)$(APACHE_AVAILDIR)/cognito_identity.conf
	chmod 0644 $(DESTDIR)$(APACHE_AVAILDIR)/cognito_identity.load
	$(INSTALL) -m 0644 README.md SECURITY.md docs/apache.md \
	    $(DESTDIR)$(DOCDIR)/$(APACHE_PKG)/
	$(INSTALL) -m 0644 examples/apache/cognito-identity.conf \
	    $(DESTDIR)$(DOCDIR)/$(APACHE_PKG)/examples/

install-tools: $(BUILD)/cognito-identity-simulate
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(DOCDIR)/$(TOOLS_PKG)/examples
	$(INSTALL) -m 0755 $(BUILD)/cognito-identity-simulate $(DESTDIR)$(BINDIR)/
	gzip -9n < docs/cognito-identity-simulate.1 \
	    > $(DESTDIR)$(MANDIR)/man1/cognito-identity-simulate.1.gz
	chmod 0644 $(DESTDIR)$(MANDIR)/man1/cognito-identity-simulate.1.gz
	$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/$(TOOLS_PKG)/
	$(INSTALL) -m 0644 examples/policies/*.json \
	    examples/aws/identity-pool-roles.json \
	    $(DESTDIR)$(DOCDIR)/$(TOOLS_PKG)/examples/

# Only what install put there (an enabled module's link is the admin's).
uninstall:
	rm -f $(DESTDIR)$(NGX_MODDIR)/$(MODULE) \
	    $(DESTDIR)$(NGX_AVAILDIR)/$(NGX_SNIPPET) \
	    $(DESTDIR)$(APACHE_MODDIR)/$(APACHE_MODULE) \
	    $(DESTDIR)$(APACHE_AVAILDIR)/cognito_identity.load \
	    $(DESTDIR)$(APACHE_AVAILDIR)/cognito_identity.conf \
	    $(DESTDIR)$(BINDIR)/cognito-identity-simulate \
	    $(DESTDIR)$(MANDIR)/man1/cognito-identity-simulate.1.gz
	rm -rf $(DESTDIR)$(DOCDIR)/$(NGX_PKG) $(DESTDIR)$(DOCDIR)/$(APACHE_PKG) \
	    $(DESTDIR)$(DOCDIR)/$(TOOLS_PKG)

# ------------------------------------------------------------ Debian packages
# dpkg-buildpackage writes its results into the parent of the source tree,
# so the tree is copied to build/deb/src first: the .debs, .buildinfo and
# .changes land in build/deb/ and nothing outside the repository is touched.
DEB_DIR      := $(BUILD)/deb
DEB_INPUTS   := $(CORE_SRCS) $(CORE_HDRS) $(NGX_SRCS) $(APACHE_SRCS) config \
                tools/cognito-identity-simulate.c Makefile \
                README.md SECURITY.md $(wildcard docs/* examples/*/*) \
                $(shell find debian -type f 2>/dev/null)

deb: $(DEB_DIR)/.built

$(DEB_DIR)/.built: $(DEB_INPUTS)
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	tar -C $(ROOT) --exclude=./build --exclude=./.git \
	    --exclude=./fuzz/corpus-work -cf - . | tar -C $(DEB_DIR)/src -xf -
	@# the package build must not inherit this make's variables or flags
	cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    dpkg-buildpackage -us -uc -b \
	    > $(DEB_DIR)/build.log 2>&1 \
	    || { tail -n 60 $(DEB_DIR)/build.log; exit 1; }
	rm -rf $(DEB_DIR)/src
	@ls $(DEB_DIR)/*.deb
	touch $@

run: deps module
	@examples/run-quickstart.sh start

stop:
	@examples/run-quickstart.sh stop

bench: deps module
	bench/run.sh

clean:
	rm -rf $(BUILD)
