// omniORB side of the CDR interop test. "emit LE" marshals a fixed sample into a cdrMemoryStream and
// writes its bytes; "echo" reads records (in-order octet, out-order octet, uint32 LE length, bytes)
// from stdin, unmarshals each as Interop::Everything and marshals it again in the out order, writing
// (uint32 LE length, bytes). Byte order flag: 1 little-endian, 0 big-endian; an in-order octet of 2
// means the record is a CORBA encapsulation (its first octet names its byte order) and the answer is
// one too, in host order. "encap" writes the sample as a CORBA encapsulation (cdrEncapsulationStream).
#include "interop.hh"
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

static Interop::Everything sample() {
  Interop::Everything v;
  v.flag = true;
  v.byte = 0xAB;
  v.letter = 'Z';
  v.s16 = -12345;
  v.u16 = 54321;
  v.s32 = -123456789;
  v.u32 = 3000000000UL;
  v.s64 = -9000000000000000000LL;
  v.u64 = 18000000000000000000ULL;
  v.f32 = 1.5f;
  v.f64 = 3.141592653589793;
  v.name = (const char*)"Smith";
  v.bounded = (const char*)"London";
  v.raw.length(4);
  v.raw[0] = 1; v.raw[1] = 2; v.raw[2] = 3; v.raw[3] = 250;
  v.longs.length(3);
  v.longs[0] = 1; v.longs[1] = -1; v.longs[2] = 7;
  v.hue = Interop::BLUE;
  v.origin.x = 1; v.origin.y = 2;
  v.path.length(2);
  v.path[0].x = 3; v.path[0].y = 4; v.path[1].x = 5; v.path[1].y = 6;
  for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) v.matrix[i][j] = i * 3 + j + 1;
  v.val.d(0.5);
  v.val._d(Interop::BLUE);
  v.pick.small(7);
  v.words.length(3);
  v.words[0] = (const char*)"a"; v.words[1] = (const char*)"bc"; v.words[2] = (const char*)"";
  v.pad = 'x';
  v.last = 1e300;
  return v;
}

static void put(const void* p, size_t n) {
  if (fwrite(p, 1, n, stdout) != n) { perror("write"); exit(1); }
}

static bool get(void* p, size_t n) {
  return fread(p, 1, n, stdin) == n;
}

int main(int argc, char** argv) {
  int orbArgc = 1;
  CORBA::ORB_var orb = CORBA::ORB_init(orbArgc, argv);
  std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "emit") {
      cdrMemoryStream out(4096, true);  // zero-filled, so padding bytes compare equal
      out.setByteSwapFlag(argc > 2 && std::string(argv[2]) == "LE");
      sample() >>= out;
      put(out.bufPtr(), out.bufSize());
    } else if (mode == "encap") {
      cdrEncapsulationStream out(4096, true);
      sample() >>= out;
      put(out.bufPtr(), out.bufSize());
    } else if (mode == "echo") {
      unsigned char head[6];
      while (get(head, 6)) {
        unsigned long len = head[2] | (head[3] << 8) | (head[4] << 16) | ((unsigned long)head[5] << 24);
        std::vector<unsigned char> data(len);
        if (len && !get(data.data(), len)) { fprintf(stderr, "truncated record\n"); return 1; }
        Interop::Everything v;
        if (head[0] == 2) {
          cdrEncapsulationStream in(data.data(), len);
          v <<= in;
          if (in.checkInputOverrun(1, 1)) { fprintf(stderr, "omniORB left bytes unread\n"); return 3; }
        } else {
          cdrMemoryStream in;
          in.put_octet_array(data.data(), len);
          in.rewindInputPtr();
          in.setByteSwapFlag(head[0] == 1);
          v <<= in;
          if (in.checkInputOverrun(1, 1)) { fprintf(stderr, "omniORB left bytes unread\n"); return 3; }
        }
        // Zero-filled, so padding bytes compare equal.
        cdrEncapsulationStream encap(4096, true);
        cdrMemoryStream plain(4096, true);
        cdrMemoryStream& out = head[0] == 2 ? encap : plain;
        if (head[0] != 2) out.setByteSwapFlag(head[1] == 1);
        v >>= out;
        unsigned long n = out.bufSize();
        unsigned char size[4] = { (unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16), (unsigned char)(n >> 24) };
        put(size, 4);
        put(out.bufPtr(), n);
      }
    } else {
      fprintf(stderr, "usage: peer emit LE|BE | peer encap | peer echo\n");
      return 2;
    }
  } catch (CORBA::SystemException& e) {
    fprintf(stderr, "omniORB raised %s (minor %lu)\n", e._name(), (unsigned long)e.minor());
    return 4;
  }
  fflush(stdout);
  orb->destroy();
  return 0;
}
