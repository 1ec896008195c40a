// The kernel cache's trust model (sdk/include/tg/cache_root.hpp, tg/disk_cache.hpp, tg/sha256.hpp):
// SHA-256 and HMAC against their published test vectors; the cache root's checks of owner and
// mode ("another user" is a chown to uid 65534, so those cases need root: as any other user they
// are reported as not run, and the rest still runs); keyed names
// and digests (a moved or changed file is not used); LRU eviction under TG_CACHE_MAX; and, end
// to end in fresh processes, the onednn and OpenCL plugins refusing hostile caches and never
// running a file they did not write.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tg/disk_cache.hpp"
#include "tg/sha256.hpp"

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using tg::sdk::CacheRoot;
using tg::sdk::DiskCache;

namespace {

constexpr uid_t kOtherUser = 65534;  // nobody

// Only root can give a file to another user.
bool can_chown() { return geteuid() == 0; }

std::string hex_of(const std::string& s) {
  tg::sdk::Digest d = tg::sdk::sha256(s.data(), s.size());
  return tg::sdk::to_hex(d);
}

std::string hex_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::string hmac_hex(const std::string& key, const std::string& data) {
  return tg::sdk::to_hex(tg::sdk::hmac_sha256(key.data(), key.size(), data.data(), data.size()));
}

// A fresh, empty directory path (not created) under /tmp.
std::string fresh_path(const std::string& tag) {
  static int n = 0;
  const fs::path p = fs::temp_directory_path() / ("tg-cache-test-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(n++));
  fs::remove_all(p);
  return p.string();
}

mode_t mode_of(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::vector<unsigned char> bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void write_file(const fs::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { had_ ? setenv(name_, old_.c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// ---- SHA-256 and HMAC-SHA256 ---------------------------------------------------------------------

TEST(Sha256, MatchesFips180Vectors) {
  EXPECT_EQ(hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex_of(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Fed in uneven pieces, across block boundaries.
  const std::string text(1000, 'q');
  tg::sdk::Sha256 h;
  for (size_t i = 0, step = 1; i < text.size(); i += step, step = step * 3 % 97 + 1)
    h.update(text.data() + i, std::min(step, text.size() - i));
  EXPECT_EQ(tg::sdk::to_hex(h.finish()), hex_of(text));
}

TEST(HmacSha256, MatchesRfc4231Vectors) {
  EXPECT_EQ(hmac_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hmac_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmac_hex(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  // A key longer than the block is hashed first.
  EXPECT_EQ(hmac_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(hex_bytes("4142"), "AB");
}

TEST(CacheMax, ParsesSizes) {
  uint64_t v = 0;
  EXPECT_TRUE(tg::sdk::parse_byte_size("500M", &v));
  EXPECT_EQ(v, 500ull << 20);
  EXPECT_TRUE(tg::sdk::parse_byte_size("2G", &v));
  EXPECT_EQ(v, 2ull << 30);
  EXPECT_TRUE(tg::sdk::parse_byte_size("64k", &v));
  EXPECT_EQ(v, 64ull << 10);
  EXPECT_TRUE(tg::sdk::parse_byte_size("3GiB", &v));
  EXPECT_EQ(v, 3ull << 30);
  EXPECT_TRUE(tg::sdk::parse_byte_size("1048576", &v));
  EXPECT_EQ(v, 1048576u);
  EXPECT_TRUE(tg::sdk::parse_byte_size("0", &v));
  EXPECT_EQ(v, 0u);
  for (const char* bad : {"", "G", "-1", "1.5G", "2X", "99999999999T", "99999999999999999999"})
    EXPECT_FALSE(tg::sdk::parse_byte_size(bad, &v)) << bad;
}

// ---- the cache root: where, whose, which key -----------------------------------------------------

TEST(CacheRoot, IsCreated0700WithAKeyFile0600) {
  const std::string dir = fresh_path("root");
  ScopedEnv env("TG_CACHE_DIR", dir);
  auto root = CacheRoot::from_environment("unit");
  ASSERT_TRUE(root->usable()) << root->why_not();
  EXPECT_TRUE(root->shared());
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir + "/unit"), 0700u);
  EXPECT_EQ(mode_of(dir + "/cache-key"), 0600u);
  EXPECT_EQ(fs::file_size(dir + "/cache-key"), 32u);
  // A second process (here, a second root) reads the same key: the same names.
  auto again = CacheRoot::from_environment("unit");
  DiskCache a(root, "TGTEST01", ".bin"), b(again, "TGTEST01", ".bin");
  EXPECT_EQ(a.path_of("kernel"), b.path_of("kernel"));
  fs::remove_all(dir);
}

// Each way a root can be untrustworthy: refused with one line on stderr, and a private
// directory is used instead and removed with the root.
TEST(CacheRoot, RefusesRootsOthersCouldWrite) {
  struct Case {
    const char* what;
    void (*spoil)(const std::string& dir);
    const char* says;
  };
  const Case cases[] = {
      {"world-writable root", [](const std::string& d) { chmod(d.c_str(), 0777); }, "writable by group or others"},
      {"group-writable root", [](const std::string& d) { chmod(d.c_str(), 0770); }, "writable by group or others"},
      {"root of another user", [](const std::string& d) { ASSERT_EQ(chown(d.c_str(), kOtherUser, -1), 0); }, "owned by uid 65534"},
      {"key of another user", [](const std::string& d) { ASSERT_EQ(chown((d + "/cache-key").c_str(), kOtherUser, -1), 0); },
       "owned by uid 65534"},
      {"key readable by others", [](const std::string& d) { chmod((d + "/cache-key").c_str(), 0644); }, "not 0600"},
      {"key of the wrong size", [](const std::string& d) { fs::resize_file(d + "/cache-key", 8); }, "not 32"},
      {"key that is a symlink",
       [](const std::string& d) {
         fs::rename(d + "/cache-key", d + "/elsewhere");
         fs::create_symlink(d + "/elsewhere", d + "/cache-key");
       },
       "cannot open its key file"},
      {"plugin folder of another user", [](const std::string& d) { ASSERT_EQ(chown((d + "/unit").c_str(), kOtherUser, -1), 0); },
       "owned by uid 65534"},
      {"world-writable plugin folder", [](const std::string& d) { chmod((d + "/unit").c_str(), 0777); },
       "writable by group or others"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    if (std::string(c.says).find("uid 65534") != std::string::npos && !can_chown()) {
      std::printf("not run (needs root to chown): %s\n", c.what);
      continue;
    }
    const std::string dir = fresh_path("hostile");
    ScopedEnv env("TG_CACHE_DIR", dir);
    CacheRoot::from_environment("unit");  // a genuine root, then spoiled
    c.spoil(dir);
    testing::internal::CaptureStderr();
    std::string private_dir;
    {
      auto root = CacheRoot::from_environment("unit");
      const std::string err = testing::internal::GetCapturedStderr();
      EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
      EXPECT_THAT(err, HasSubstr("tg unit: not using the kernel cache " + dir));
      EXPECT_THAT(err, HasSubstr(c.says));
      ASSERT_TRUE(root->usable()) << root->why_not();
      EXPECT_FALSE(root->shared());
      private_dir = root->dir();
      EXPECT_THAT(err, HasSubstr("compiling into " + private_dir + ", removed at exit"));
      EXPECT_EQ(private_dir.rfind("/tmp/tg-unit-", 0), 0u) << private_dir;
      EXPECT_EQ(mode_of(private_dir), 0700u);
      DiskCache cache(root, "TGTEST01", ".bin");
      EXPECT_EQ(cache.store("k", bytes("payload")), "");
      EXPECT_EQ(fs::path(cache.path_of("k")).parent_path().parent_path().string(), private_dir);
      EXPECT_EQ(cache.load("k", nullptr).value(), bytes("payload"));
    }
    EXPECT_FALSE(fs::exists(private_dir)) << private_dir << " outlived its cache";
    fs::remove_all(dir);
  }
}

// A private directory is removed at exit by the process that made it, not by a forked child
// (a data loader, a shell-out) whose exit would pull it from under its parent.
TEST(CacheRoot, AForkedChildLeavesItsParentsPrivateDirectory) {
  const std::string dir = fresh_path("fork");
  ScopedEnv env("TG_CACHE_DIR", dir);
  CacheRoot::from_environment("unit");
  chmod(dir.c_str(), 0777);
  testing::internal::CaptureStderr();
  auto root = CacheRoot::from_environment("unit");
  testing::internal::GetCapturedStderr();
  ASSERT_FALSE(root->shared());
  const pid_t child = fork();
  if (child == 0) std::exit(0);  // runs the exit handlers, as any child's exit does
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(fs::exists(root->folder())) << "the child's exit removed " << root->dir();
  fs::remove_all(dir);
}

// ---- the files: keyed names and digests ----------------------------------------------------------

class DiskCacheFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_path("files");
    env_ = std::make_unique<ScopedEnv>("TG_CACHE_DIR", dir_);
    cache_ = std::make_unique<DiskCache>(DiskCache::from_environment("unit", "TGTEST01", ".bin"));
    ASSERT_TRUE(cache_->enabled()) << cache_->why_disabled();
    ASSERT_TRUE(cache_->root().shared());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string load(const std::string& key, std::string* corrupt) {
    auto got = cache_->load(key, corrupt);
    return got ? std::string(got->begin(), got->end()) : "(none)";
  }

  std::string dir_;
  std::unique_ptr<ScopedEnv> env_;
  std::unique_ptr<DiskCache> cache_;
};

TEST_F(DiskCacheFiles, StoresAndLoadsPrivately) {
  EXPECT_EQ(load("kernel a", nullptr), "(none)");
  ASSERT_EQ(cache_->store("kernel a", bytes("object a")), "");
  std::string corrupt;
  EXPECT_EQ(load("kernel a", &corrupt), "object a");
  EXPECT_EQ(corrupt, "");
  EXPECT_EQ(mode_of(cache_->path_of("kernel a")), 0600u);
  EXPECT_THAT(files_in(dir_ + "/unit"), ::testing::SizeIs(1));  // no temporary left behind
}

TEST_F(DiskCacheFiles, NamesCannotBePredictedWithoutTheKey) {
  const std::string name = cache_->path_of("kernel a");
  EXPECT_TRUE(std::regex_match(fs::path(name).filename().string(), std::regex("[0-9a-f]{32}\\.bin"))) << name;
  // Another user's cache (another key) names the same kernel differently; the old names were
  // the same for everyone (FNV-1a of the text).
  const std::string other_dir = fresh_path("other");
  ScopedEnv env("TG_CACHE_DIR", other_dir);
  DiskCache other = DiskCache::from_environment("unit", "TGTEST01", ".bin");
  EXPECT_NE(fs::path(other.path_of("kernel a")).filename(), fs::path(name).filename());
  char fnv[17];
  std::snprintf(fnv, sizeof fnv, "%016llx", static_cast<unsigned long long>(tg::sdk::fnv1a("kernel a", 8)));
  EXPECT_THAT(name, Not(HasSubstr(fnv)));
  fs::remove_all(other_dir);
}

TEST_F(DiskCacheFiles, SwappedGenuineFilesAreNotUsed) {
  ASSERT_EQ(cache_->store("kernel a", bytes("object a")), "");
  ASSERT_EQ(cache_->store("kernel b", bytes("object b")), "");
  const std::string a = cache_->path_of("kernel a"), b = cache_->path_of("kernel b");
  const std::string content_a = read_file(a);
  write_file(a, read_file(b));
  write_file(b, content_a);
  std::string corrupt;
  EXPECT_EQ(load("kernel a", &corrupt), "(none)");
  EXPECT_THAT(corrupt, HasSubstr("keyed digest does not match"));
  corrupt.clear();
  EXPECT_EQ(load("kernel b", &corrupt), "(none)");
  EXPECT_THAT(corrupt, HasSubstr("keyed digest does not match"));
  // Storing again replaces them.
  ASSERT_EQ(cache_->store("kernel a", bytes("object a")), "");
  EXPECT_EQ(load("kernel a", nullptr), "object a");
}

TEST_F(DiskCacheFiles, ChangedTruncatedOrForeignFilesAreNotUsed) {
  struct Case {
    const char* what;
    void (*spoil)(const std::string& path);
    const char* says;
  };
  const Case cases[] = {
      {"one payload byte changed",
       [](const std::string& p) {
         std::string s = read_file(p);
         s.back() ^= 1;
         write_file(p, s);
       },
       "keyed digest does not match"},
      {"the digest recomputed without the key (the old FNV checksum's weakness)",
       [](const std::string& p) {
         std::string s = read_file(p);
         s.replace(s.size() - 8, 8, "EVILCODE");
         const tg::sdk::Digest d = tg::sdk::sha256(s.data() + 48, s.size() - 48);
         s.replace(16, 32, std::string(d.begin(), d.end()));
         write_file(p, s);
       },
       "keyed digest does not match"},
      {"truncated", [](const std::string& p) { fs::resize_file(p, fs::file_size(p) - 3); }, "size does not match"},
      {"garbage", [](const std::string& p) { write_file(p, "not a cache file"); }, "not a tg unit cache file"},
      {"owned by another user", [](const std::string& p) { ASSERT_EQ(chown(p.c_str(), kOtherUser, -1), 0); },
       "owned by uid 65534"},
      {"writable by others", [](const std::string& p) { chmod(p.c_str(), 0666); }, "writable by group or others"},
      {"a symlink to a genuine file",
       [](const std::string& p) {
         fs::rename(p, p + ".real");
         fs::create_symlink(p + ".real", p);
       },
       "cannot open it"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    if (std::string(c.says).find("uid 65534") != std::string::npos && !can_chown()) {
      std::printf("not run (needs root to chown): %s\n", c.what);
      continue;
    }
    ASSERT_EQ(cache_->store("kernel", bytes("genuine object with some length")), "");
    const std::string path = cache_->path_of("kernel");
    c.spoil(path);
    std::string corrupt;
    EXPECT_EQ(load("kernel", &corrupt), "(none)");
    EXPECT_THAT(corrupt, HasSubstr(c.says));
    // A store replaces the bad file atomically (the symlink itself, not its target).
    ASSERT_EQ(cache_->store("kernel", bytes("genuine object with some length")), "");
    EXPECT_FALSE(fs::is_symlink(path));
    EXPECT_EQ(load("kernel", nullptr), "genuine object with some length");
    fs::remove(path + ".real");
  }
}

// ---- eviction ------------------------------------------------------------------------------------

TEST(CacheEviction, LeastRecentlyUsedGoFirstUnderTgCacheMax) {
  const std::string dir = fresh_path("evict");
  ScopedEnv env("TG_CACHE_DIR", dir), max("TG_CACHE_MAX", "3K");
  DiskCache cache = DiskCache::from_environment("unit", "TGTEST01", ".bin");
  ASSERT_EQ(cache.root().max_bytes(), 3072u);
  const std::vector<unsigned char> kb(1000 - 48, 'x');  // 1000 bytes on disk each
  const auto now = fs::file_time_type::clock::now();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(cache.store("k" + std::to_string(i), kb), "");
    fs::last_write_time(cache.path_of("k" + std::to_string(i)), now - std::chrono::hours(10 - i));  // k0 oldest
  }
  // Files that are not the cache's are never evicted, however old.
  write_file(dir + "/unit/notes.txt", std::string(5000, 'n'));
  write_file(dir + "/precious", std::string(5000, 'p'));
  fs::last_write_time(dir + "/unit/notes.txt", now - std::chrono::hours(100));
  // A crashed process's temporaries go once they are an hour old; fresh ones (a store under
  // way in another process) stay.
  const std::string stale = cache.path_of("k0") + ".tmp.123.abcd", fresh = cache.path_of("k1") + ".tmp.124.abcd";
  write_file(stale, "half");
  write_file(fresh, "half");
  write_file(dir + "/unit/load.125.abcd.so", "half");
  fs::last_write_time(stale, now - std::chrono::hours(2));
  fs::last_write_time(dir + "/unit/load.125.abcd.so", now - std::chrono::hours(2));
  // A hit makes k0 the most recently used.
  ASSERT_TRUE(cache.load("k0", nullptr));
  ASSERT_EQ(cache.store("k3", kb), "");  // 4000 bytes > 3K: one goes, and it is k1
  EXPECT_TRUE(fs::exists(cache.path_of("k0")));
  EXPECT_FALSE(fs::exists(cache.path_of("k1")));
  EXPECT_TRUE(fs::exists(cache.path_of("k2")));
  EXPECT_TRUE(fs::exists(cache.path_of("k3")));
  EXPECT_TRUE(fs::exists(dir + "/unit/notes.txt"));
  EXPECT_TRUE(fs::exists(dir + "/precious"));
  EXPECT_TRUE(fs::exists(dir + "/cache-key"));
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(dir + "/unit/load.125.abcd.so"));
  EXPECT_TRUE(fs::exists(fresh));
  fs::remove_all(dir);
}

TEST(CacheEviction, ABadTgCacheMaxSaysSoAndKeepsTheDefault) {
  const std::string dir = fresh_path("badmax");
  ScopedEnv env("TG_CACHE_DIR", dir), max("TG_CACHE_MAX", "lots");
  testing::internal::CaptureStderr();
  auto root = CacheRoot::from_environment("unit");
  EXPECT_THAT(testing::internal::GetCapturedStderr(), HasSubstr("ignoring TG_CACHE_MAX=lots"));
  EXPECT_EQ(root->max_bytes(), uint64_t{1} << 30);
  fs::remove_all(dir);
}

// ---- end to end: fresh processes on the plugins --------------------------------------------------

struct Child {
  std::string output;
  int exit_code = -1;
};

// Runs `command` with extra environment assignments ("A=b C=d") in a shell; stdout+stderr.
Child run(const std::string& env, const std::string& command) {
  Child c;
  FILE* p = popen(("env " + env + " " + command + " 2>&1").c_str(), "r");
  if (!p) return c;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) c.output.append(buf, n);
  const int status = pclose(p);
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return c;
}

// x*2+1 and x*3+5 of x = (1, 2), as tg_cache_probe prints them.
std::string right_answer() { return "A 3 5 B 8 11"; }

struct Plugin {
  const char* device;  // TG_DEVICE
  const char* env;     // what makes it compile every program
  const char* hit;     // what its debug log says for a kernel from the cache
  const char* defaults;  // what gives it its default options (the suite may set others)
};

void PrintTo(const Plugin& p, std::ostream* os) { *os << p.device; }

class PluginCache : public ::testing::TestWithParam<Plugin> {
 protected:
  void SetUp() override { dir_ = fresh_path(GetParam().device); }
  void TearDown() override { fs::remove_all(dir_); }
  Child probe(const std::string& extra = "") {
    return run(std::string("TG_DEVICE=") + GetParam().device + " " + GetParam().env + " TG_PLUGIN_DEBUG=1 TG_CACHE_DIR='" +
                   dir_ + "' " + extra,
               std::string("'") + TG_CACHE_PROBE + "'");
  }
  fs::path folder() const { return fs::path(dir_) / GetParam().device; }

  std::string dir_;
};

TEST_P(PluginCache, ASecondProcessUsesTheCache) {
  Child first = probe();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr(right_answer()));
  EXPECT_EQ(mode_of(dir_), 0700u);
  EXPECT_EQ(mode_of(dir_ + "/cache-key"), 0600u);
  ASSERT_GE(files_in(folder()).size(), 2u) << first.output;
  for (const fs::path& f : files_in(folder())) EXPECT_EQ(mode_of(f.string()), 0600u) << f;
  Child second = probe();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr(right_answer()));
  EXPECT_THAT(second.output, HasSubstr(GetParam().hit));
  EXPECT_THAT(second.output, Not(HasSubstr("ignoring")));
}

// Two genuine cached kernels swapped: the old cache ran each under the other's name (x*2+1
// computed as x*3+5). Now both fail their digests, are compiled again and replaced.
TEST_P(PluginCache, SwappedKernelsDoNotSwapResults) {
  ASSERT_EQ(probe().exit_code, 0);
  std::vector<fs::path> files = files_in(folder());
  ASSERT_GE(files.size(), 2u);
  std::vector<std::string> contents;
  for (const fs::path& f : files) contents.push_back(read_file(f));
  for (size_t i = 0; i < files.size(); ++i) write_file(files[i], contents[(i + 1) % files.size()]);
  Child swapped = probe();
  ASSERT_EQ(swapped.exit_code, 0) << swapped.output;
  EXPECT_THAT(swapped.output, HasSubstr(right_answer()));
  EXPECT_THAT(swapped.output, HasSubstr("ignoring"));
  EXPECT_THAT(swapped.output, HasSubstr("keyed digest does not match"));
  Child repaired = probe();
  ASSERT_EQ(repaired.exit_code, 0) << repaired.output;
  EXPECT_THAT(repaired.output, HasSubstr(right_answer()));
  EXPECT_THAT(repaired.output, HasSubstr(GetParam().hit));
  EXPECT_THAT(repaired.output, Not(HasSubstr("ignoring"))) << repaired.output;
}

// A cache directory others could write is refused with one line, the process compiles into a
// private directory, and that directory is gone when the process is.
TEST_P(PluginCache, AHostileRootIsRefusedAndThePrivateDirectoryRemovedAtExit) {
  ASSERT_EQ(probe().exit_code, 0);
  const size_t cached = files_in(folder()).size();
  for (int owner_case = 0; owner_case < (can_chown() ? 2 : 1); ++owner_case) {
    SCOPED_TRACE(owner_case ? "owned by another user" : "world-writable");
    if (owner_case) {
      chmod(dir_.c_str(), 0700);
      ASSERT_EQ(chown(dir_.c_str(), kOtherUser, -1), 0);
    } else {
      chmod(dir_.c_str(), 0777);
    }
    Child c = probe();
    ASSERT_EQ(c.exit_code, 0) << c.output;
    EXPECT_THAT(c.output, HasSubstr(right_answer()));
    const std::regex warning("tg " + std::string(GetParam().device) +
                             ": not using the kernel cache [^\n]*; compiling into (/tmp/tg-[a-z]+-[A-Za-z0-9]{6}), removed at exit\n");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(c.output, m, warning)) << c.output;
    EXPECT_FALSE(std::regex_search(m.suffix().str(), warning)) << "more than one warning: " << c.output;
    EXPECT_FALSE(fs::exists(m[1].str())) << m[1].str() << " was left behind";
    EXPECT_THAT(c.output, Not(HasSubstr(GetParam().hit)));  // nothing read from the refused cache
    EXPECT_EQ(files_in(folder()).size(), cached);         // nor written to it
  }
  chmod(dir_.c_str(), 0700);
  if (can_chown()) ASSERT_EQ(chown(dir_.c_str(), getuid(), -1), 0);
}

// A cache directory that cannot be made (here: below a regular file) is the same: one line, a
// private directory, removed at exit (it used to stay behind, one per process).
TEST_P(PluginCache, AnUncreatableRootFallsBackToAPrivateDirectoryRemovedAtExit) {
  fs::create_directories(dir_);
  write_file(dir_ + "/file", "x");
  Child c = probe("TG_CACHE_DIR='" + dir_ + "/file/cache'");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_THAT(c.output, HasSubstr(right_answer()));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(c.output, m, std::regex("cannot create [^\n]*; compiling into (/tmp/tg-[a-z]+-[A-Za-z0-9]{6}), removed at exit")))
      << c.output;
  EXPECT_FALSE(fs::exists(m[1].str())) << m[1].str() << " was left behind";
}

// Eviction runs after each store: with one kernel missing, the next process compiles and stores
// it, and then keeps the cache under TG_CACHE_MAX.
TEST_P(PluginCache, TgCacheMaxBoundsTheCache) {
  auto total = [&] {
    uint64_t bytes = 0;
    for (const fs::path& f : files_in(folder())) bytes += fs::file_size(f);
    return bytes;
  };
  ASSERT_EQ(probe().exit_code, 0);
  ASSERT_GE(files_in(folder()).size(), 2u);
  ASSERT_GT(total(), 1024u);
  fs::remove(files_in(folder()).front());
  Child c = probe("TG_CACHE_MAX=1K");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_THAT(c.output, HasSubstr(right_answer()));
  EXPECT_LE(total(), 1024u);
  EXPECT_TRUE(fs::exists(dir_ + "/cache-key"));
}

std::vector<Plugin> plugins() {
  std::vector<Plugin> out;
#ifdef TG_HAVE_ONEDNN
  out.push_back({"onednn", "TG_PLUGIN_OPTIONS_ONEDNN=jit=2", "from the disk cache", "TG_PLUGIN_OPTIONS_ONEDNN="});
#endif
#ifdef TG_HAVE_OPENCL
  out.push_back({"opencl", "", "loaded from the binary cache", "TG_PLUGIN_OPTIONS_OPENCL="});
#endif
  return out;
}
INSTANTIATE_TEST_SUITE_P(Plugins, PluginCache, ::testing::ValuesIn(plugins()),
                         [](const auto& info) { return std::string(info.param.device); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PluginCache);

// The same training steps give the same float32 bits whether their kernels are compiled in this
// process (a cold cache) or loaded from an earlier one's (a warm cache). The onednn plugin ran a
// program's first launch on its interpreter unless the kernel was cached, and the two rounded
// differently: a cold cache's step-0 loss came out one ulp away from a warm one's. Run with each
// plugin's default options (the suite sets jit=2, which hid it).
class ColdAndWarmCache : public ::testing::TestWithParam<Plugin> {};

// The probe's "loss N 0x..." and "weights 0x..." lines.
std::string loss_bits(const std::string& output) {
  std::string lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("loss ", 0) == 0 || line.rfind("weights ", 0) == 0) lines += line + "\n";
  return lines;
}

TEST_P(ColdAndWarmCache, GiveTheSameLossBits) {
  const std::string dir = fresh_path(std::string("bits-") + GetParam().device);
  const std::string env = std::string("TG_DEVICE=") + GetParam().device + " " + GetParam().defaults + " TG_CACHE_DIR='" + dir + "'";
  const std::string probe = std::string("'") + TG_TRAIN_PROBE + "'";
  Child cold = run(env, probe);
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  ASSERT_FALSE(files_in(fs::path(dir) / GetParam().device).empty()) << "nothing was cached: " << cold.output;
  Child warm = run(env, probe);
  ASSERT_EQ(warm.exit_code, 0) << warm.output;
  EXPECT_EQ(std::count(cold.output.begin(), cold.output.end(), '\n'), 4) << cold.output;
  EXPECT_EQ(loss_bits(cold.output), loss_bits(warm.output)) << "cold cache:\n" << cold.output << "warm cache:\n" << warm.output;
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Plugins, ColdAndWarmCache, ::testing::ValuesIn(plugins()),
                         [](const auto& info) { return std::string(info.param.device); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ColdAndWarmCache);

#ifdef TG_HAVE_ONEDNN
// A shared object written into the cache by someone else (here: a kernel that prints and
// returns 42s) is never loaded, whether it is a bare .so or carries a genuine file's header.
TEST(OnednnCache, ATamperedObjectIsNotLoaded) {
  const std::string dir = fresh_path("tamper");
  const std::string env = "TG_DEVICE=onednn TG_PLUGIN_OPTIONS_ONEDNN=jit=2 TG_PLUGIN_DEBUG=1 TG_CACHE_DIR='" + dir + "'";
  const std::string probe = std::string("'") + TG_CACHE_PROBE + "'";
  ASSERT_EQ(run(env, probe).exit_code, 0);

  const std::string evil_c = dir + "/evil.c", evil_so = dir + "/evil.so";
  write_file(evil_c,
             "#include <stdio.h>\n"
             "__attribute__((constructor)) static void hello(void) { puts(\"EVIL CODE RAN\"); fflush(stdout); }\n"
             "int tg_kernel(char* const* b) { ((float*)b[0])[0] = 42; ((float*)b[0])[1] = 42; return 0; }\n");
  Child cc = run("", "cc -shared -fPIC -o '" + evil_so + "' '" + evil_c + "'");
  ASSERT_EQ(cc.exit_code, 0) << cc.output;
  const std::string evil = read_file(evil_so);
  std::vector<fs::path> files = files_in(fs::path(dir) / "onednn");
  ASSERT_GE(files.size(), 2u);
  for (size_t i = 0; i < files.size(); ++i) {
    if (i % 2 == 0) {
      write_file(files[i], evil);  // a bare shared object, as the old cache held them
    } else {
      std::string genuine = read_file(files[i]);  // the genuine header, size fixed, evil payload
      const uint64_t size = evil.size();
      genuine.replace(8, 8, std::string(reinterpret_cast<const char*>(&size), 8));
      write_file(files[i], genuine.substr(0, 48) + evil);
    }
  }
  Child c = run(env, probe);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_THAT(c.output, Not(HasSubstr("EVIL CODE RAN")));
  EXPECT_THAT(c.output, Not(HasSubstr("A 42")));
  EXPECT_THAT(c.output, Not(HasSubstr("B 42")));
  EXPECT_THAT(c.output, HasSubstr(right_answer()));
  EXPECT_THAT(c.output, HasSubstr("ignoring cached kernel"));
  fs::remove_all(dir);
}
#endif

}  // namespace
