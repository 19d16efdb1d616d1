# SPDX-License-Identifier: GPL-2.0-or-later
#
# Thin wrapper over meson/ninja, for QEMU habits:
#   make            build (installing missing Debian packages as root)
#   make check      build and run every test suite
#   make demo       build and run the elastic-memory demo
#   make bench      build and run the benchmarks

BUILD ?= build
MESON_TEST = meson test -C $(BUILD) --print-errorlogs --num-processes 2

.PHONY: all deps check check-unit check-qtest check-functional \
        check-reference demo bench clean distclean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	@./scripts/install-deps.sh
	./configure --builddir=$(BUILD)

check: deps all
	$(MESON_TEST)

check-unit: all
	$(MESON_TEST) --suite unit

check-qtest: all
	$(MESON_TEST) --suite qtest

check-reference: all
	$(MESON_TEST) --suite qtest-reference

check-functional: all
	$(MESON_TEST) --suite functional

demo: deps all
	./scripts/demo

bench: all
	./scripts/bench

clean:
	ninja -C $(BUILD) clean

distclean:
	rm -rf $(BUILD)
