#include "accord/adapters/filedrop.hpp"

namespace accord::adapters {

Status write_file_atomically(const std::string& directory, const std::string& name,
                             std::string_view content, bool fsync, env::Env& env,
                             bool sync_directory) {
  env::WriteOptions options;
  // A dotfile: a reader that ignores dotfiles never sees a partial file (docs/adapters.md).
  options.temp_path = directory + "/.tmp-" + name;
  options.sync = fsync;
  options.sync_directory = sync_directory;
  // 0640 narrowed by the umask: the copy holds personal data; the recipient's reader is
  // expected to share the group, and the operator's umask may tighten that further.
  options.umask_narrows = true;
  auto written = env.write_file(directory + "/" + name, content, 0640, options);
  if (written.ok()) return written;
  Error error = written.error();
  error.code = "io";  // what this adapter documents; the message names step, path and reason
  return error;
}

}  // namespace accord::adapters
