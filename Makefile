# Thin wrapper over CMake. `make` builds build/atail, build/log_writer and
# build/async_tail; `make demo` runs the exercise; `make check` installs what
# the tests need (Debian packages), builds and runs every test, GNU
# coreutils' own tail tests (scripts/gnu-suite.sh, when a copy is found),
# an ASan+UBSan build of the whole suite, end-to-end tests under valgrind, a
# short run of every fuzz target, the Debian packages and pip builds
# (scripts/deb-test.sh), and the linters. `make deb` builds the Debian
# packages into build-deb/.
BUILD ?= build
ASAN_BUILD ?= build-asan
PREFIX ?= /usr/local
CMAKE ?= cmake
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all demo demo-py check check-fast check-asan gnu-suite test-deps install clean format lint bench fuzz deb

all: $(BUILD)/Makefile
	$(CMAKE) --build $(BUILD) -j $(JOBS)

$(BUILD)/Makefile:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX)

# The exercise, and nothing else on the terminal: what it needs is built
# with the build's output in $(BUILD)/build.log (shown if the build fails;
# one line says what was built, none when everything was up to date).
QUIET_BUILD = CMAKE=$(CMAKE) PREFIX=$(PREFIX) scripts/quiet-build.sh $(BUILD) $(JOBS)
DEMO_DIR = $(abspath $(BUILD))/demo
DEMO_ARGS ?=

demo:
	@$(QUIET_BUILD) async_tail log_writer
	@mkdir -p $(DEMO_DIR) && cd $(DEMO_DIR) && ../async_tail $(DEMO_ARGS)

demo-py:
	@$(QUIET_BUILD) atail_python log_writer
	@mkdir -p $(DEMO_DIR) && cd $(DEMO_DIR) && \
	  PYTHONPATH=$(abspath $(BUILD))/python ATAIL_LOG_WRITER=$(abspath $(BUILD))/log_writer \
	  python3 $(CURDIR)/examples/async_tail.py

bench: all
	bench/run.sh

test-deps:
	scripts/install-test-deps.sh

check: test-deps
	$(MAKE) check-fast
	scripts/gnu-suite.sh $(BUILD)
	$(MAKE) check-asan
	scripts/valgrind.sh $(BUILD)
	scripts/fuzz.sh 15
	scripts/deb-test.sh
	scripts/lint.sh

# GNU coreutils 9.1's tail tests against build/atail (see scripts/gnu-suite.sh).
gnu-suite: all
	scripts/gnu-suite.sh $(BUILD)

check-asan:
	$(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DATAIL_SANITIZE=ON
	$(CMAKE) --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

deb:
	scripts/deb-build.sh build-deb

fuzz: all
	scripts/fuzz.sh 300

# Configures again: test dependencies installed since the last configure
# (Criterion, python3-dev) are then found.
check-fast:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	$(CMAKE) --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

install: all
	$(CMAKE) --install $(BUILD)

format:
	clang-format -i include/*.h src/*.[ch] cli/*.[ch] tools/*.c examples/*.c tests/*/*.[ch]

lint:
	scripts/lint.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz build-lint build-deb
