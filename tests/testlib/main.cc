// The dataplane tests' main(): GoogleTest with the EAL environment registered once.
#include <gtest/gtest.h>

#include "tests/testlib/eal_environment.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new sluice::test::EalEnvironment());  // gtest owns it
  const int result = RUN_ALL_TESTS();
  sluice::test::shutdown_eal();
  return result;
}
