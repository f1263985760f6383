/*
 * cppcheck.h - forced into every file by `make lint` (cppcheck --include)
 * so that cppcheck sees Jansson's iteration macros as the loops they are;
 * cppcheck's -D cannot define function-like macros.  Never compiled.
 * Same shape as jansson.h's own definitions.
 */
#define json_array_foreach(array, index, value) \
	for ((index) = 0; (index) < json_array_size(array) && \
	    ((value) = json_array_get((array), (index))); (index)++)
#define json_object_foreach(object, key, value) \
	for ((key) = json_object_iter_key(json_object_iter(object)); \
	    (key) && ((value) = json_object_iter_value( \
	    json_object_key_to_iter(key))); \
	    (key) = json_object_iter_key(json_object_iter_next(object, \
	    json_object_key_to_iter(key))))
