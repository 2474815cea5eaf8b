// Note [Singleton session folders]
// A program that calls MPI_Init without mpirun (a world of one, See Note [A
// world of one] in engine_command.h) starts as an Open MPI singleton: it forks
// an orted of its own, in its own session, and the two keep a session folder in
// $TMPDIR/ompi.HOST.UID/jf.N. When the program ends without MPI_Finalize (a
// crash, an abort, an exit before it), nobody removes jf.N, and every failed
// start leaves one more. So for a world of one the rank agent points Open MPI's
// session folders (orte_tmpdir_base) at a folder of its own under $TMPDIR and
// removes that folder, with whatever is in it, once the program has ended. The
// program's own TMPDIR is left alone; a user who set OMPI_MCA_orte_tmpdir_base
// keeps theirs (and its clean-up).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cohort::launcher {

class SingletonSessionFolder {
 public:
  // Makes $TMPDIR/cohortrun-ompi.XXXXXX (/tmp without TMPDIR), unless
  // OMPI_MCA_orte_tmpdir_base is set already or the folder cannot be made
  // (Open MPI then uses its default, as before).
  SingletonSessionFolder();
  ~SingletonSessionFolder();  // removes the folder and all in it
  SingletonSessionFolder(const SingletonSessionFolder&) = delete;
  SingletonSessionFolder& operator=(const SingletonSessionFolder&) = delete;

  // {"OMPI_MCA_orte_tmpdir_base", folder} for the program, or nothing.
  std::vector<std::pair<std::string, std::string>> variables() const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace cohort::launcher
