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

DEB_PACKAGES := build-essential nginx nginx-dev libssl-dev openssl perl \
                curl python3 python3-jwt clang libclang-rt-14-dev \
                apache2 apache2-dev libcurl4-openssl-dev awscli \
                python3-boto3 python3-botocore wrk gnuplot-nox valgrind

PROVE        := prove -I t/lib -r t/

.PHONY: all deps module asan unit simulate valgrind soak test test-plain test-asan fuzz fuzz-smoke \
        run stop clean apache apache-asan bench

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
	$(call ngx_module_build,$(BUILD),,)

asan: $(BUILD)/asan/$(MODULE)

$(BUILD)/asan/$(MODULE): config $(CORE_SRCS) $(CORE_HDRS) $(NGX_SRCS)
	$(call ngx_module_build,$(BUILD)/asan,$(SAN_FLAGS),$(SAN_FLAGS))

unit: $(BUILD)/unit/cig-unit $(BUILD)/unit-asan/cig-unit simulate

# the policy simulator, built from the same core as the servers
simulate: $(BUILD)/cognito-identity-simulate

$(BUILD)/cognito-identity-simulate: $(CORE_SRCS) $(CORE_HDRS) \
        tools/cognito-identity-simulate.c
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -D_GNU_SOURCE -o $@ $(CORE_SRCS) \
	    tools/cognito-identity-simulate.c -lcrypto -lm

$(BUILD)/unit/cig-unit: $(CORE_SRCS) $(CORE_HDRS) $(UNIT_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -o $@ $(CORE_SRCS) $(filter %.c,$(UNIT_SRCS)) \
	    -lcrypto -lm

$(BUILD)/unit-asan/cig-unit: $(CORE_SRCS) $(CORE_HDRS) $(UNIT_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(SAN_FLAGS) -o $@ $(CORE_SRCS) \
	    $(filter %.c,$(UNIT_SRCS)) -lcrypto -lm

test: deps module asan unit apache apache-asan
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

# $(1): build directory, $(2): extra compiler flags, $(3): extra libraries
define apache_module_build
	@rm -rf $(1)/apache-src && mkdir -p $(1)/apache-src
	@cp core/*.c core/*.h core/include/cig.h apache_mod/*.c apache_mod/*.h \
	    $(1)/apache-src/
	@cd $(1)/apache-src && $(APXS) -c -o mod_cognito_identity.la \
	    $(foreach f,$(APACHE_CFLAGS) $(2),-Wc,$(f)) *.c -lcrypto -lcurl $(3) \
	    > build.log 2>&1 || { cat build.log; exit 1; }
	@if nm -D --undefined-only $(1)/apache-src/.libs/$(APACHE_MODULE) \
	    | grep -w 'cig_.*\|mci_.*'; then echo "undefined symbols"; exit 1; fi
	cp $(1)/apache-src/.libs/$(APACHE_MODULE) $(1)/$(APACHE_MODULE).new
	mv -f $(1)/$(APACHE_MODULE).new $(1)/$(APACHE_MODULE)
endef

apache: $(BUILD)/$(APACHE_MODULE)

$(BUILD)/$(APACHE_MODULE): $(CORE_SRCS) $(CORE_HDRS) $(APACHE_SRCS)
	$(call apache_module_build,$(BUILD),,)

apache-asan: $(BUILD)/asan/$(APACHE_MODULE)

$(BUILD)/asan/$(APACHE_MODULE): $(CORE_SRCS) $(CORE_HDRS) $(APACHE_SRCS)
	$(call apache_module_build,$(BUILD)/asan,$(APACHE_SAN),-lasan -lubsan)

run: deps module
	@examples/run-quickstart.sh start

stop:
	@examples/run-quickstart.sh stop

bench: deps module
	bench/run.sh

clean:
	rm -rf $(BUILD)
