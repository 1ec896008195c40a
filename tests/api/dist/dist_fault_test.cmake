# Runs `mpirun -n 2 dist_fault MODE` and checks that the job fails, says why, and ends well
# before a hang would (ctest's TIMEOUT is the backstop).
#   cmake -DMPIEXEC=mpirun -DPROGRAM=dist_fault -DMODE=die|stall -P dist_fault_test.cmake
if(MODE STREQUAL "stall")
  set(timeout 3)
  set(expect "waited 3 s for the other ranks \\(TG_DIST_TIMEOUT\\)")
else()
  set(timeout 20)  # the backstop: mpirun should end rank 0 as soon as rank 1 dies
  set(expect "signal 9|Killed|aborted")
endif()
string(TIMESTAMP start "%s")
set(ENV{TG_DIST_TIMEOUT} ${timeout})
execute_process(COMMAND ${MPIEXEC} -n 2 --oversubscribe ${PROGRAM} ${MODE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 80)
string(TIMESTAMP stop "%s")
math(EXPR took "${stop} - ${start}")
message("${out}")
message("mpirun exit status ${rc} after ${took} s")
if(rc EQUAL 0)
  message(FATAL_ERROR "the job succeeded although rank 1 failed")
endif()
if(NOT out MATCHES "${expect}")
  message(FATAL_ERROR "the output does not say what happened (expected /${expect}/)")
endif()
if(took GREATER 40)
  message(FATAL_ERROR "the job took ${took} s to fail")
endif()
