/*
 * fuzz_framer - libFuzzer harness for the streaming framer (emml/framer.h).
 *
 * The input chooses the ring size, frame length and hop (including invalid
 * ones, which init must refuse), then a stream of int16 samples pushed in
 * chunks of fuzzed sizes. Every frame read out is compared with the frame
 * the documentation promises (samples i*hop .. i*hop + frame_len - 1 of the
 * stream); a mismatch aborts. Buffers are allocated at exactly their
 * documented sizes so ASan reports any access outside them.
 */
#include <stdlib.h>

#include "emml/framer.h"
#include "fuzz_input.h"

#define MAX_LEN 300u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input_t in = {data, size, 0u};
    emml_framer_q15_t fr;
    uint32_t ring_len = fuzz_u16(&in) % MAX_LEN, frame_len = fuzz_u16(&in) % MAX_LEN;
    uint32_t hop = fuzz_u16(&in) % (2u * MAX_LEN);
    uint32_t n_stream = (uint32_t)(fuzz_left(&in) / 2u), taken = 0u, frames = 0u, i;
    int16_t *ring = (int16_t *)malloc(ring_len ? ring_len * sizeof(int16_t) : 1u);
    int16_t *stream = (int16_t *)malloc((n_stream ? n_stream : 1u) * sizeof(int16_t));
    int16_t *out = (int16_t *)malloc((frame_len ? frame_len : 1u) * sizeof(int16_t));
    emml_status_t st;
    if (ring == NULL || stream == NULL || out == NULL) {
        abort();
    }
    for (i = 0u; i < n_stream; i++) {
        stream[i] = (int16_t)fuzz_u16(&in);
    }
    st = emml_framer_init_q15(&fr, ring, ring_len, frame_len, hop);
    if ((frame_len == 0u || hop == 0u || ring_len < frame_len) != (st != EMML_OK)) {
        abort(); /* init must refuse exactly the invalid settings */
    }
    if (st == EMML_OK) {
        uint32_t chunk = 1u;
        while (taken < n_stream) {
            uint32_t used;
            chunk = (chunk * 7u + stream[taken % n_stream]) % 97u + 1u; /* varying chunk sizes */
            if (chunk > n_stream - taken) {
                chunk = n_stream - taken;
            }
            used = emml_framer_push_q15(&fr, stream + taken, chunk);
            if (used > chunk) {
                abort();
            }
            taken += used;
            if (emml_framer_ready(&fr)) {
                uint32_t first = frames * hop;
                emml_framer_frame_q15(&fr, out);
                for (i = 0u; i < frame_len; i++) {
                    if (first + i >= taken || out[i] != stream[first + i]) {
                        abort(); /* not the documented frame */
                    }
                }
                frames++;
            } else if (used == 0u) {
                abort(); /* no frame ready, yet no progress: would loop forever */
            }
        }
    }
    free(ring);
    free(stream);
    free(out);
    return 0;
}
