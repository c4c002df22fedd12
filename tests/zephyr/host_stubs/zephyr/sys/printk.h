/* Host stand-in (not Zephyr): printk goes to stderr. */
#ifndef HOST_STUB_ZEPHYR_PRINTK_H
#define HOST_STUB_ZEPHYR_PRINTK_H
void printk(const char *fmt, ...);
#endif
