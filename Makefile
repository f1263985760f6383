# dsn-tools - bounce analysis tools.  GNU make.

VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DATADIR   ?= $(PREFIX)/share/dsn-tools
PKG_CONFIG ?= pkg-config

CC        ?= cc
# Link-time optimisation: small functions of one file (msg_eol(),
# msg_line_next(), msg_startcase()...) inlined into the others.
CFLAGS    ?= -O2 -g -flto=auto
LDFLAGS   ?= -flto=auto
PKGS       = libpcre2-8 jansson sqlite3 zlib
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
# libmagic ships no .pc file on every system: fall back to -lmagic.
MAGIC_LIBS := $(shell $(PKG_CONFIG) --libs libmagic 2>/dev/null || echo -lmagic)

WARN       = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	     -Wmissing-prototypes -Wno-unused-parameter
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	     -DDSN_VERSION='"$(VERSION)"' -DDSN_DATADIR='"$(DATADIR)"' \
	     -Iinclude -Isrc $(PKG_CFLAGS) $(WARN) $(CFLAGS)
ALL_LDLIBS = $(PKG_LIBS) $(MAGIC_LIBS) -lm $(LDLIBS)

ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined
LDFLAGS    += -fsanitize=address,undefined
BUILD      ?= build-san
endif
BUILD      ?= build

LIB_SRC   := $(sort $(wildcard src/*/*.c src/*/*/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_SRC   := $(sort $(wildcard cmd/*.c))
TOOLS     := $(CMD_SRC:cmd/%.c=$(BUILD)/%)
UNIT_SRC  := $(sort $(wildcard tests/unit/*.c))
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
MANS      := $(wildcard man/*.1)

all: $(TOOLS) bin

# bin/ holds links to the tools of the last build, for the README and tests.
bin: $(TOOLS)
	@mkdir -p bin
	@for t in $(TOOLS); do ln -sf ../$$t bin/; done

$(BUILD)/libdsn.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(BUILD)/%.o: %.c $(wildcard include/dsn/*.h) $(wildcard src/*/*.h) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%: $(BUILD)/cmd/%.o $(BUILD)/libdsn.a
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libdsn.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# dsn-classify carries data/rules.json built in, as a generated C array.
$(BUILD)/gen/rules-default.c: data/rules.json scripts/embed
	@mkdir -p $(@D)
	scripts/embed dsn_rules_default < data/rules.json > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/rules-default.o: $(BUILD)/gen/rules-default.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/dsn-classify: $(BUILD)/cmd/dsn-classify.o \
	    $(BUILD)/gen/rules-default.o $(BUILD)/libdsn.a
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

.PRECIOUS: $(BUILD)/fuzz/%.o $(BUILD)/%.o $(BUILD)/cmd/%.o $(BUILD)/tests/unit/%.o

check: all $(UNITS)
	@BUILD=$(BUILD) tests/run-all $(UNITS)

# cppcheck over our C; tests/cppcheck.h teaches it Jansson's foreach
# macros.  A warning fails the target unless suppressed inline with a
# reason (// cppcheck-suppress id).
CPPCHECK  ?= cppcheck
lint:
	$(CPPCHECK) -q --enable=warning,performance,portability --std=c11 \
	    -Iinclude -Isrc --include=tests/cppcheck.h --error-exitcode=1 \
	    --inline-suppr src cmd tests/unit

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	$(if $(MANS),install -m 644 $(MANS) $(DESTDIR)$(MANDIR)/man1)
	$(if $(wildcard data/*),install -m 644 data/* $(DESTDIR)$(DATADIR))

clean:
	rm -rf build build-san build-fuzz build-scalar bin

# libFuzzer harnesses (tests/fuzz/fuzz_*.c): clang, ASan + UBSan, built
# in build-fuzz/.  `make fuzz FUZZ_TIME=S` runs each for S seconds,
# `make fuzz-smoke` briefly, failing when one executed no input.
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS   := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_TIME ?= 60
FUZZ_MAKE  = $(MAKE) BUILD=build-fuzz CC=clang \
	     CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	     -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	     LDFLAGS="-fsanitize=address,undefined" fuzzers

$(BUILD)/fuzz/%.o: tests/fuzz/%.c $(wildcard include/dsn/*.h src/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/%: $(BUILD)/fuzz/%.o $(BUILD)/libdsn.a
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(ALL_LDLIBS)

fuzzers: $(FUZZERS)

fuzz:
	$(FUZZ_MAKE)
	scripts/fuzz run $(FUZZ_TIME)

fuzz-smoke:
	$(FUZZ_MAKE)
	scripts/fuzz smoke

.PHONY: all bin check lint install clean fuzzers fuzz fuzz-smoke
