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
