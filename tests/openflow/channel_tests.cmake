# The control channel's tests (included from tests/openflow/CMakeLists.txt). They also run
# under the ThreadSanitizer build (-DSLUICE_SANITIZE=thread).
sluice_add_gtest(channel_tests
  SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/channel_ring_test.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/channel_shm_test.cc
  LIBS sluice_channel)
