// Bounds-checked big-endian reader over a byte span (private to decode/stacks).
// Every read checks the remaining length first; a failed read leaves the
// position unchanged and returns false, so callers can report the offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace fw::decode::stacks::detail {

class ByteReader {
 public:
  // `base` is added to offsets in messages (the position of data[0] in the
  // enclosing buffer, e.g. a Clarity value inside a transaction).
  explicit ByteReader(std::span<const std::uint8_t> data, std::size_t base = 0) noexcept
      : data_(data), base_(base) {}

  std::size_t offset() const noexcept { return base_ + pos_; }  // for messages
  std::size_t pos() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool at_end() const noexcept { return pos_ == data_.size(); }
  void seek(std::size_t pos) noexcept { pos_ = pos <= data_.size() ? pos : data_.size(); }

  bool u8(std::uint8_t& v) noexcept {
    if (remaining() < 1) return false;
    v = data_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v) noexcept { return be(v); }
  bool u32(std::uint32_t& v) noexcept { return be(v); }
  bool u64(std::uint64_t& v) noexcept { return be(v); }

  // A view of the next n bytes (valid as long as the input is).
  bool bytes(std::size_t n, const std::uint8_t*& p) noexcept {
    if (remaining() < n) return false;
    p = data_.data() + pos_;
    pos_ += n;
    return true;
  }
  bool skip(std::size_t n) noexcept {
    const std::uint8_t* p;
    return bytes(n, p);
  }

 private:
  template <class U>
  bool be(U& v) noexcept {
    if (remaining() < sizeof(U)) return false;
    U r = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) r = static_cast<U>((r << 8) | data_[pos_ + i]);
    pos_ += sizeof(U);
    v = r;
    return true;
  }

  std::span<const std::uint8_t> data_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
};

// "byte 57: expected 16 bytes (uint), 3 left"
inline std::string short_read(const ByteReader& r, std::size_t want, const char* what) {
  return "byte " + std::to_string(r.offset()) + ": expected " + std::to_string(want) + " byte" +
         (want == 1 ? "" : "s") + " (" + what + "), " + std::to_string(r.remaining()) + " left";
}

}  // namespace fw::decode::stacks::detail
