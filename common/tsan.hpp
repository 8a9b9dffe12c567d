#pragma once
// ThreadSanitizer cannot see synchronisation done inside uninstrumented
// libraries: libzmq hands a message body from the sending thread to the
// receiving one through lock-free pipes (inline-asm atomics), so in a TSan
// build the receiver's read of a body the sender wrote looks like a race.
// Where a buffer crosses threads that way, the sender releases it and the
// receiver acquires it. Outside TSan builds these are no-ops.
#if defined(__SANITIZE_THREAD__)
#define RTMP_COMMON_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RTMP_COMMON_TSAN 1
#endif
#endif

#ifdef RTMP_COMMON_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace rtmp::common {

inline void tsan_release(const void* addr) {
#ifdef RTMP_COMMON_TSAN
  __tsan_release(const_cast<void*>(addr));
#else
  (void)addr;
#endif
}

inline void tsan_acquire(const void* addr) {
#ifdef RTMP_COMMON_TSAN
  __tsan_acquire(const_cast<void*>(addr));
#else
  (void)addr;
#endif
}

}  // namespace rtmp::common
