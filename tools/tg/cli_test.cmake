# Checks the tg tool's command line: cmake -DTG=<path to tg> -P cli_test.cmake
# Every case runs tg and checks its exit code and what it printed.
if(NOT TG)
  message(FATAL_ERROR "usage: cmake -DTG=<path to tg> -P cli_test.cmake")
endif()
unset(ENV{TG_DEVICE})

set(failures 0)
# expect(<exit code> <regex that stdout+stderr must match> args...)
function(expect code pattern)
  execute_process(COMMAND ${TG} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
  if(NOT rc STREQUAL "${code}" OR NOT all MATCHES "${pattern}")
    message(SEND_ERROR "tg ${ARGN}: expected exit ${code} and output matching '${pattern}', "
                       "got exit ${rc}:\n--- stdout\n${out}--- stderr\n${err}---")
  else()
    message(STATUS "ok: tg ${ARGN} -> ${rc}")
  endif()
endfunction()

expect(0 "Usage: tg <command>.*devices.*info" --help)
expect(0 "Usage: tg <command>" -h)
expect(0 "^tg [0-9]+\\.[0-9]+\\.[0-9]+ \\(plugin ABI [0-9]+\\.[0-9]+\\)" --version)
expect(0 "Usage: tg devices.*--help" devices --help)
expect(0 "Usage: tg info.*--help" info --help)
expect(0 "NAME +INDEX +AVAILABLE.*\nref +0 +yes" devices)
expect(0 "tg version: .*plugin search path.*TG_DEVICE" info)

expect(2 "tg: no command given\nRun 'tg --help'")
expect(2 "unknown command 'bogus'\nRun 'tg --help'" bogus)
expect(2 "unrecognised option '--bogus'\nRun 'tg --help'" --bogus)
expect(2 "tg devices: unrecognised option '--bogus'\nRun 'tg devices --help'" devices --bogus)
expect(2 "tg info: unexpected argument 'extra'\nRun 'tg info --help'" info extra)
expect(2 "tg devices: unexpected argument 'stray'\nRun 'tg devices --help'" devices stray)

# A default device that cannot be had is reported, not fatal: info is how one diagnoses it.
set(ENV{TG_DEVICE} nosuch)
expect(0 "default device: +none\n.*nosuch" info)

expect(1 "^tg: error: TG_DEVICE=nosuch: device .nosuch. was not found" bench matmul 64 --repeat 1 --no-torch)
unset(ENV{TG_DEVICE})

# tg bench: a small run without PyTorch; bad workloads and sizes are usage errors. On ref: what
# is tested is the tool, and under the sanitizers' leak check (the ref pass of the test command)
# LeakSanitizer's tracer crashes at exit in a process that ran oneDNN's threads.
set(ENV{TG_DEVICE} ref)
expect(0 "WORKLOAD +TG TIME.*\nmatmul 64 fp32 +[0-9.]+ [um]?s" bench matmul 64 --repeat 1 --no-torch)
set(ENV{TG_BENCH_PYTHON} /nonexistent/python3)
expect(0 "PyTorch: not installed.*\nx.sum\\(\\) 4096 " bench reduce 4096 --repeat 1)
unset(ENV{TG_BENCH_PYTHON})
# Peak memory in the unit that fits (a sum's 4-byte result is "4 B"), and no number in exponent form.
expect(0 "\nx.sum\\(\\) 4096 +[0-9.]+ [um]?s +[0-9.]+ GB/s +4 B " bench reduce 4096 --repeat 1 --no-torch)
# a*b+c: one output of n floats (16 KiB at 4096) is its peak.
expect(0 "\na\\*b\\+c 4096 +[0-9.]+ [um]?s +[0-9.]+ GB/s +16.4 kB " bench fma 4096 --repeat 1 --no-torch)
expect(2 "tg bench basics: takes no size" bench basics 5)
execute_process(COMMAND ${TG} bench mlp 1 --repeat 1 --no-torch OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR "${out}" MATCHES "[0-9]e[-+][0-9]" OR NOT "${out}" MATCHES "steps/s +[0-9.]+ [kM]?B ")
  message(SEND_ERROR "tg bench mlp 1: expected exit 0, a rate and a peak without exponents, got exit ${rc}:\n${out}${err}")
else()
  message(STATUS "ok: tg bench mlp 1 -> 0, no exponents")
endif()
unset(ENV{TG_DEVICE})
expect(2 "tg bench: name a workload" bench)
expect(2 "tg bench: unknown workload 'bogus'" bench bogus)
expect(2 "tg bench: size must be a positive integer, got 'abc'" bench matmul abc)
expect(2 "tg bench: size must be a positive integer, got '0'" bench matmul 0)
expect(2 "tg bench ops: takes no size" bench ops 64)
