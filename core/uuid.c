/* UUIDv7 document ids, increasing within a process. */
#include "common.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "uuid.h"

#define RAND_A_LIMIT (1u << 12)      /* rand_a: 12 bits after the version */
#define RAND_B_LIMIT (1ull << 62)    /* rand_b: 62 bits after the variant */
#define MS_MASK ((1ull << 48) - 1)

/* The last id made in this process, as its three variable fields. */
static struct {
	pthread_mutex_t lock;
	int made;
	uint64_t ms;
	unsigned rand_a;
	uint64_t rand_b;
} last = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0 };

static uint64_t now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000) &
	       MS_MASK;
}

static void fresh_random(void)
{
	uint64_t r;

	randombytes_buf(&r, sizeof(r));
	last.rand_a = (unsigned)(r >> 52);
	randombytes_buf(&r, sizeof(r));
	last.rand_b = r & (RAND_B_LIMIT - 1);
}

/*
 * Same millisecond (or the clock went back): count the 74 random bits up
 * by a random step of 1 to 2^32, keeping ids unguessable and increasing;
 * when they run out, borrow the next millisecond.
 */
static void step_random(void)
{
	uint32_t step;

	randombytes_buf(&step, sizeof(step));
	last.rand_b += (uint64_t)step + 1;
	if (last.rand_b < RAND_B_LIMIT)
		return;
	last.rand_b -= RAND_B_LIMIT;
	if (++last.rand_a < RAND_A_LIMIT)
		return;
	last.ms = (last.ms + 1) & MS_MASK;
	fresh_random();
}

static void encode(unsigned char b[16])
{
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(last.ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (last.rand_a >> 8));
	b[7] = (unsigned char)last.rand_a;
	b[8] = (unsigned char)(0x80 | (last.rand_b >> 56));
	for (int i = 9; i < 16; i++)
		b[i] = (unsigned char)(last.rand_b >> (8 * (15 - i)));
}

static void write_text(char out[SANSHE_UUID_STRLEN + 1], const unsigned char b[16])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 15];
	}
	*p = '\0';
}

int sanshe_uuid_v7(char out[SANSHE_UUID_STRLEN + 1])
{
	unsigned char bytes[16];
	uint64_t now = now_ms();

	if (sodium_init() < 0)
		return sanshe_error_set(SANSHE_ERROR, "%s",
					_("cannot initialise libsodium"));
	pthread_mutex_lock(&last.lock);
	if (last.made && now <= last.ms) {
		step_random();
	} else {
		last.ms = now;
		fresh_random();
	}
	last.made = 1;
	encode(bytes);
	pthread_mutex_unlock(&last.lock);
	write_text(out, bytes);
	return 0;
}

int sanshe_uuid_is_valid(const char *text)
{
	for (int i = 0; i < SANSHE_UUID_STRLEN; i++) {
		char c = text[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return 0;
		}
	}
	return text[SANSHE_UUID_STRLEN] == '\0' && text[14] == '7' &&
	       strchr("89ab", text[19]) != NULL;
}
