# The entry point a person types. The real build is CMake; this file only
# names the jobs: make, make test, make test-asan, make bench, make demo,
# make soak, make install PREFIX=DIR, make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS=...].

BUILD      ?= build
ASAN_BUILD ?= build-asan
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=

.PHONY: all deps configure test test-asan test-valgrind bench demo soak install clean fuzz

all: configure
	cmake --build $(BUILD) -j $(JOBS)

deps:
	sh scripts/install-deps.sh

configure:
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

# The soak (label soak) is not part of make test: make soak runs it.
test: deps all
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE soak

test-asan: deps
	@test -f $(ASAN_BUILD)/CMakeCache.txt || cmake -S . -B $(ASAN_BUILD) \
		-DCMAKE_BUILD_TYPE=Debug -DBOTHIVE_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS) -LE soak

# Unit tests under valgrind's memcheck: any leak or error fails the run.
test-valgrind: deps all
	sh scripts/valgrind-tests.sh $(BUILD)

bench: deps all
	sh bench/run.sh $(BUILD)

demo: deps all
	sh scripts/demo.sh $(BUILD)

# A million updates over 10,000 chats under kills, crashes, 429s, 500s and
# a restart (SOAK_UPDATES=N SOAK_CHATS=M for another size).
soak: deps all
	sh scripts/soak.sh $(BUILD)

install:
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	cmake --install $(BUILD)

# The libFuzzer targets of tests/fuzz/ (clang), each run FUZZ_SECONDS on a
# copy of its corpus in $(FUZZ_BUILD); `make test` only replays the corpus.
fuzz: deps
	sh scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
